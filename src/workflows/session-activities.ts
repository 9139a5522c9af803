import type { createActivities } from '../activities/index.js';

/**
 * The activities a session calls, as workflow code sees them: a type only, so the bundle never loads activity code
 * (`proxyActivities<SessionActivities>` and `proxyLocalActivities<SessionActivities>` with each call's own options).
 */
export type SessionActivities = ReturnType<typeof createActivities>;
