// ESLint for the browser code in static/ (ES modules loaded by the gateway pages), run by
// `make lint-js` and CI. Third-party files under static/vendor/ are not ours to lint.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["**/*", "!static/", "!static/**/", "!static/**/*.js", "static/vendor/"] },
  js.configs.recommended,
  {
    files: ["static/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.browser },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      eqeqeq: ["error", "always"],
      "no-implicit-globals": "error",
      "prefer-const": "error",
      "no-var": "error",
    },
  },
];
