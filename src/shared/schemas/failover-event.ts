/** A switch to a fallback profile, as the `state` query and the transcript record it. Bundle-safe. */
export interface FailoverEvent {
  /** The turn whose model call failed and went to the fallback. */
  turn: number;
  fromProfile: string;
  fromModel: string;
  toProfile: string;
  toModel: string;
  /** The failure type that outlasted the retries, e.g. `Model.Overloaded`. */
  reason: string;
  /** The last failure's message. */
  message: string;
}
