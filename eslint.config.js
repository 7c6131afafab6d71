import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";

export default tseslint.config(
  { ignores: [".next/**", "node_modules/**", "data/**", "test-results/**", "playwright-report/**", "next-env.d.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-syntax": [
        "error",
        { selector: "CallExpression[callee.object.name=/^(it|test|describe)$/][callee.property.name=/^(only|skip)$/]", message: "No focused or skipped tests." },
      ],
    },
  },
  {
    files: ["components/**/*.tsx", "app/**/*.tsx", "lib/client/**/*.ts", "lib/client/**/*.tsx"],
    plugins: { "react-hooks": reactHooks },
    rules: { "react-hooks/rules-of-hooks": "error", "react-hooks/exhaustive-deps": "error" },
  },
  {
    files: ["lib/**/*.ts"],
    ignores: ["lib/client/**"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["node:*", "../server/*", "../components/*", "socket.io*"], message: "lib/ is pure: no Node, server or component imports." }] }],
    },
  },
  {
    files: ["components/**/*.tsx"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["socket.io-client", "**/lib/client/socket*", "**/server/*"], message: "Components open no sockets and never import the server." }] }],
    },
  },
);
