// The API of index.js. Settings are plain objects: { access_token: '…', batch_size: 1000 }.

export type Settings = Record<string, string | boolean | number | bigint | null | undefined>;

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: [string, string][];
  body: string | null;
  timeoutMs: number;
}
export interface HttpResponse {
  status: number;
  headers: [string, string][];
  body: string;
}

export interface Limits {
  /** Ceiling on any one request's timeout (default 30,000). */
  httpTimeoutMs?: number;
  /** Larger responses are `too-large` (default 4 MiB). */
  maxResponseBytes?: number;
  /** HTTP calls one export call may make (default 64). */
  httpCallsPerCall?: number;
  /** Longest text from the component kept in an error or log line (default 1,024). */
  maxGuestText?: number;
}

export interface Options {
  /** Synchronous HTTP; default: Node's fetch in a worker thread. */
  fetch?: (request: HttpRequest) => HttpResponse;
  /** Every allowed request goes to this base URL instead (https, or http to loopback). */
  endpoint?: string;
  /** Unix milliseconds; default Date.now. */
  now?: () => number;
  log?: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
  /** Hosts the component may reach; default: those its spec declares. */
  allowHosts?: string[];
  limits?: Limits;
}

export interface SettingField {
  key: string;
  label: string;
  description: string;
  fieldType: 'text' | 'boolean' | 'integer' | 'choice';
  required: boolean;
  secret: boolean;
  default?: { tag: 'text'; val: string } | { tag: 'boolean'; val: boolean } | { tag: 'integer'; val: bigint };
  options: string[];
}
export interface Spec {
  id: string;
  name: string;
  version: string;
  settings: SettingField[];
  recordFields: { name: string; description: string; required: boolean }[];
  maxEventsPerRequest: number;
  maxRequestBytes: number;
  hosts: string[];
}
export interface Validation {
  eventSetId: string;
  eventSetName?: string;
  eventSetCreated: boolean;
  advertiserName?: string;
}
/** One TikTok request: event `e` is `eventIds[e]`, merged from `eventSizes[e]` rows, the
 * next ones of `rows` (positions in the records given to `transform`). */
export interface PreparedRequest {
  body: string;
  eventIds: string[];
  eventSizes: Uint32Array;
  rows: Uint32Array;
}
export interface TransformOutput {
  requests: PreparedRequest[];
  rejections: { row: number; reason: string }[];
  warnings: { row: number; field: string; rule: string }[];
}
export type DeliveryStatus =
  | { status: 'delivered' }
  | { status: 'rejected'; reason: string }
  | { status: 'retryable'; reason: string };
export interface SendOutput {
  /** One per event of the request, in order. */
  statuses: DeliveryStatus[];
  warnings: { event: number; field: string; rule: string }[];
}
export interface EventSet {
  id: string;
  name: string;
  description?: string;
  autoTracking: boolean;
}
export interface Connection {
  settings: Settings;
  accounts: { id: string; name?: string }[];
  accountSetting: string;
}

export interface Destination {
  describe(): Spec;
  validate(settings: Settings): Validation;
  /** Pure: no HTTP. Records are objects, or JSON text of one object each. */
  transform(settings: Settings, records: (object | string)[]): TransformOutput;
  send(settings: Settings, request: PreparedRequest): SendOutput;
  authorizationUrl(appId: string, redirectUri: string, state: string): string;
  connect(appId: string, appSecret: string, authCode: string): Connection;
  listEventSets(settings: Settings): EventSet[];
  createEventSet(settings: Settings, set: { name: string; description?: string; autoTracking?: boolean }): EventSet;
  updateEventSet(settings: Settings, id: string, changes?: { name?: string; autoTracking?: boolean }): EventSet;
}

export function createDestination(options?: Options): Destination;

export class DestinationError extends Error {
  kind: 'invalid-settings' | 'auth' | 'rate-limited' | 'transient' | 'permanent';
}
export class InvalidSettingsError extends DestinationError {
  fields: { key: string; message: string }[];
}
export class AuthError extends DestinationError {}
export class RateLimitedError extends DestinationError {
  retryAfterMs?: number;
}
export class TransientError extends DestinationError {}
export class PermanentError extends DestinationError {}
/** The component trapped (a bug, or a limit); its instance is dropped. */
export class ComponentTrap extends Error {}
