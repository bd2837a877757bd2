// Answer normalisation, mirrored in Python by tests/gateway/scheme_mirror.py:
// NFKC, full case folding (upper then lower, final sigma folded), whitespace collapsed
// (the whitespace class is the union of JavaScript's \s and Python's str.isspace).
export function normalizeAnswer(text) {
  return text
    .normalize("NFKC")
    .toUpperCase()
    .toLowerCase()
    .replace(/ς/g, "σ")
    .normalize("NFKC")
    // U+001C-U+001F are whitespace to Python's str.isspace, so they split words here too.
    // eslint-disable-next-line no-control-regex
    .split(/[\s\u0085\u001c-\u001f]+/u)
    .filter(Boolean)
    .join(" ");
}

// Answers are joined in the order of the chosen questions; a normalised answer has no newline.
export function answersSecret(answers) {
  return answers.map(normalizeAnswer).join("\n");
}
