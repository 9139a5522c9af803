/**
 * Whether and where Keel exports traces. Opt-in by environment: `KEEL_OTEL=1`, or an OTLP endpoint in the
 * standard variables. Worker and client side.
 */

export interface TracingConfig {
  /** OTLP/HTTP traces URL. From env `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`, else `http://localhost:4318/v1/traces`. */
  tracesUrl: string;
  /** Resource `service.name`. @default env `OTEL_SERVICE_NAME`, else the caller's default (`keel-worker`, `keel-cli`) */
  serviceName: string;
}

const truthy = new Set(['1', 'true', 'yes', 'on']);

/** The tracing settings, or undefined when tracing is off (the default). `KEEL_OTEL=0` turns it off outright. */
export function loadTracingConfig(environment: NodeJS.ProcessEnv, defaultServiceName: string): TracingConfig | undefined {
  const flag = environment.KEEL_OTEL?.trim().toLowerCase();
  const tracesEndpoint = environment.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const endpoint = environment.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const enabled = flag !== undefined && flag !== '' ? truthy.has(flag) : Boolean(tracesEndpoint || endpoint);
  if (!enabled) return undefined;
  const tracesUrl = tracesEndpoint || (endpoint ? `${endpoint.replace(/\/+$/, '')}/v1/traces` : 'http://localhost:4318/v1/traces');
  return { tracesUrl, serviceName: environment.OTEL_SERVICE_NAME?.trim() || defaultServiceName };
}
