/** The throwaway PostgreSQL of src/dev, for tests of the shared content store. */
export { startPostgresServer, type PostgresServer } from '../../src/dev/postgres-server.js';
