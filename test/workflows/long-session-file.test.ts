import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openContentStore } from '../../src/stores/open-content-store.js';
import { describeLongSessions } from './long-session.suite.js';

// The embedded store: files in one folder, shared by the workers of this process as by workers on one machine.
const folder = mkdtempSync(join(tmpdir(), 'keel-long-session-store-'));
describeLongSessions({
  kind: 'file',
  open: () => openContentStore({ kind: 'file', url: folder }),
  workerEnvironment: async () => ({ KEEL_STORE: 'file', KEEL_STORE_URL: folder }),
  close: async () => {},
});
