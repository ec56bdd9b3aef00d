// Integration specs wait on a real broker and database; `testTimeout` is not a per-project option.
jest.setTimeout(120_000);
