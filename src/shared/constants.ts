/** Addressing constants from the public contract (README.md, "The public contract"). Bundle-safe. */

/** The workflow type every client starts. Permanent: it is stored in history. */
export const SESSION_WORKFLOW_TYPE = 'agentSession';

/** Default task queue; workers read `KEEL_TASK_QUEUE`. */
export const DEFAULT_TASK_QUEUE = 'keel';

/** Default namespace; workers and clients read `KEEL_NAMESPACE`. */
export const DEFAULT_NAMESPACE = 'default';

/** Prefix of the workflow ids that Keel's own client picks. */
export const SESSION_ID_PREFIX = 'session-';
