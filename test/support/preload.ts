// Shared test setup. Note: bun's setDefaultTimeout() applies per file, so test files that start
// servers or a browser call it themselves.
export {};
