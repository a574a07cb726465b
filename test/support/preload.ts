import { setDefaultTimeout } from 'bun:test';

// Tests start real servers, emulators and a browser; a hook or test may take a few seconds.
setDefaultTimeout(30_000);
