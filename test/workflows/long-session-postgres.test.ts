import { openContentStore } from '../../src/stores/open-content-store.js';
import { startPostgresServer, type PostgresServer } from '../harness/postgres-server.js';
import { describeLongSessions } from './long-session.suite.js';

// The shared store: a PostgreSQL cluster this test starts (from Debian's package), as workers on several machines
// would share one.
let postgres: PostgresServer | undefined;
describeLongSessions({
  kind: 'postgres',
  open: async () => {
    postgres ??= await startPostgresServer();
    return openContentStore({ kind: 'postgres', url: postgres.url });
  },
  workerEnvironment: async () => {
    postgres ??= await startPostgresServer();
    return { KEEL_STORE: 'postgres', KEEL_STORE_URL: postgres.url };
  },
  close: async () => {
    await postgres?.stop();
  },
});
