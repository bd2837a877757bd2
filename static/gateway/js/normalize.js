// Answer normalisation, mirrored in Python by tests/gateway/scheme_mirror.py:
// NFKC, full case folding (upper then lower, final sigma folded), whitespace collapsed.
export function normalizeAnswer(text) {
  return text
    .normalize("NFKC")
    .toUpperCase()
    .toLowerCase()
    .replace(/ς/g, "σ")
    .normalize("NFKC")
    .trim()
    .split(/\s+/u)
    .filter(Boolean)
    .join(" ");
}

// Answers are joined in the order of the chosen questions; a normalised answer has no newline.
export function answersSecret(answers) {
  return answers.map(normalizeAnswer).join("\n");
}
