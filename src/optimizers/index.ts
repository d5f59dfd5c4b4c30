// Public API of src/optimizers, re-exported by src/index.ts.
export {};
