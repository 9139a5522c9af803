/**
 * `ApplicationFailure` types that Keel raises. Dotted names group them by origin; clients match on these strings,
 * so they are part of the public surface. Bundle-safe.
 */
export const FailureTypes = {
  InvalidSessionInput: 'InvalidSessionInput',
  /** A session refused a message or decision in its update validator (client side). */
  MessageRejected: 'Session.MessageRejected',
  ModelRateLimit: 'Model.RateLimit',
  ModelOverloaded: 'Model.Overloaded',
  ModelServerError: 'Model.ServerError',
  ModelConnection: 'Model.Connection',
  ModelTimeout: 'Model.Timeout',
  ModelBadRequest: 'Model.BadRequest',
  ModelAuth: 'Model.Auth',
  ModelPermissionDenied: 'Model.PermissionDenied',
  ModelNotFound: 'Model.NotFound',
  ModelRequestTooLarge: 'Model.RequestTooLarge',
  ModelBadResponse: 'Model.BadResponse',
  /** The workflow asked the model activity for something its schema refuses (a bug, never retried). */
  ModelInvalidRequest: 'Model.InvalidRequest',
  /** A configuration file, profile or environment variable is wrong. */
  ConfigInvalid: 'Config.Invalid',
  ConfigUnknownProfile: 'Config.UnknownProfile',
  SandboxNotFound: 'Sandbox.NotFound',
  SandboxTimeout: 'Sandbox.Timeout',
  SandboxAuth: 'Sandbox.Auth',
  SandboxRateLimit: 'Sandbox.RateLimit',
  SandboxUnavailable: 'Sandbox.Unavailable',
  SandboxConnection: 'Sandbox.Connection',
  SandboxServerError: 'Sandbox.ServerError',
  SandboxBadRequest: 'Sandbox.BadRequest',
  SandboxTemplateNotFound: 'Sandbox.TemplateNotFound',
  ConfigUnknownTool: 'Config.UnknownTool',
  SandboxFailed: 'Sandbox.Failed',
  ToolFailed: 'Tool.Failed',
  StoreUnavailable: 'Store.Unavailable',
  StoreNotFound: 'Store.NotFound',
  StoreCorrupt: 'Store.Corrupt',
  /** The workflow asked a store activity for something its schema refuses (a bug, never retried). */
  StoreInvalidRequest: 'Store.InvalidRequest',
  /** Stored content (a blob, a snapshot) that belongs to another session, and was not granted to this one. */
  StoreForbidden: 'Store.Forbidden',
  /** A payload Keel would send to Temporal passes its size limit (2 MB by default). */
  PayloadTooLarge: 'Payload.TooLarge',
  /** A sealed payload does not open with the keys this process has. */
  PayloadDecryptionFailed: 'Payload.DecryptionFailed',
  /** The HTTP API (`keel serve`) refused a request: its status and error type say why. */
  HttpRequestRefused: 'Http.RequestRefused',
} as const;

export type FailureType = (typeof FailureTypes)[keyof typeof FailureTypes];
