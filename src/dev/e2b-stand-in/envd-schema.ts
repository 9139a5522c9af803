/**
 * Over 300 lines on purpose: declarative descriptors of one RPC schema; split, the field numbers would be scattered.
 *
 * The part of envd's RPC schema the stand-in serves, written here as descriptors (`process.Process` and
 * `filesystem.Filesystem`, the package, service, message and field names and numbers the `e2b` SDK speaks), so
 * that `@connectrpc/connect` can serve it with its JSON codec exactly as the SDK's Connect client expects.
 *
 * Only the RPCs the stand-in implements are declared: `Process/Start`, `Process/List`, `Process/SendSignal`,
 * `Filesystem/Stat`, `MakeDir`, `Move`, `ListDir`, `Remove`. Any other procedure is answered `unimplemented` by the
 * router's fallback. The TypeScript interfaces below are the runtime shapes protobuf-es gives those messages
 * (camelCase fields, oneofs as `{ case, value }`, int64 as bigint). Dev/test code only.
 */
import {
  create,
  createFileRegistry,
  type DescMessage,
  type DescMethod,
  type DescMethodServerStreaming,
  type DescMethodUnary,
  type DescService,
  type MessageInitShape,
} from '@bufbuild/protobuf';
import { protoCamelCase } from '@bufbuild/protobuf/reflect';
import {
  type DescriptorProto,
  DescriptorProtoSchema,
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  type FieldDescriptorProtoSchema,
  type FileDescriptorProto,
  FileDescriptorProtoSchema,
  file_google_protobuf_timestamp,
} from '@bufbuild/protobuf/wkt';

const { STRING, BOOL, UINT32, SINT32, INT64, BYTES, MESSAGE, ENUM } = FieldDescriptorProto_Type;

interface FieldOptions {
  repeated?: boolean;
  typeName?: string;
  /** Index into the message's `oneofDecl`: a real oneof, or the synthetic one of a proto3 `optional` field. */
  oneof?: number;
  proto3Optional?: boolean;
}

type FieldInit = MessageInitShape<typeof FieldDescriptorProtoSchema>;
type MessageInit = MessageInitShape<typeof DescriptorProtoSchema>;

function field(name: string, number: number, type: FieldDescriptorProto_Type, options: FieldOptions = {}): FieldInit {
  return {
    name,
    number,
    type,
    jsonName: protoCamelCase(name),
    label: options.repeated ? FieldDescriptorProto_Label.REPEATED : FieldDescriptorProto_Label.OPTIONAL,
    ...(options.typeName ? { typeName: options.typeName } : {}),
    ...(options.oneof !== undefined ? { oneofIndex: options.oneof } : {}),
    ...(options.proto3Optional ? { proto3Optional: true } : {}),
  };
}

function message(name: string, fields: FieldInit[], extra: Omit<MessageInit, 'name' | 'field' | '$typeName'> = {}): DescriptorProto {
  return create(DescriptorProtoSchema, { name, field: fields, ...extra });
}

/** A `map<string, string>` field's entry type, as protoc writes it. */
function stringMapEntry(name: string): DescriptorProto {
  return message(name, [field('key', 1, STRING), field('value', 2, STRING)], { options: { mapEntry: true } });
}

function method(name: string, inputType: string, outputType: string, serverStreaming = false) {
  return { name, inputType, outputType, serverStreaming };
}

const processFile: FileDescriptorProto = create(FileDescriptorProtoSchema, {
  name: 'process/process.proto',
  package: 'process',
  syntax: 'proto3',
  messageType: [
    message(
      'ProcessConfig',
      [
        field('cmd', 1, STRING),
        field('args', 2, STRING, { repeated: true }),
        field('envs', 3, MESSAGE, { repeated: true, typeName: '.process.ProcessConfig.EnvsEntry' }),
        field('cwd', 4, STRING, { oneof: 0, proto3Optional: true }),
      ],
      { nestedType: [stringMapEntry('EnvsEntry')], oneofDecl: [{ name: '_cwd' }] },
    ),
    message('ListRequest', []),
    message(
      'ProcessInfo',
      [
        field('config', 1, MESSAGE, { typeName: '.process.ProcessConfig' }),
        field('pid', 2, UINT32),
        field('tag', 3, STRING, { oneof: 0, proto3Optional: true }),
      ],
      { oneofDecl: [{ name: '_tag' }] },
    ),
    message('ListResponse', [field('processes', 1, MESSAGE, { repeated: true, typeName: '.process.ProcessInfo' })]),
    message(
      'StartRequest',
      [
        field('process', 1, MESSAGE, { typeName: '.process.ProcessConfig' }),
        field('tag', 3, STRING, { oneof: 0, proto3Optional: true }),
        field('stdin', 4, BOOL, { oneof: 1, proto3Optional: true }),
      ],
      { oneofDecl: [{ name: '_tag' }, { name: '_stdin' }] },
    ),
    message(
      'ProcessEvent',
      [
        field('start', 1, MESSAGE, { typeName: '.process.ProcessEvent.StartEvent', oneof: 0 }),
        field('data', 2, MESSAGE, { typeName: '.process.ProcessEvent.DataEvent', oneof: 0 }),
        field('end', 3, MESSAGE, { typeName: '.process.ProcessEvent.EndEvent', oneof: 0 }),
        field('keepalive', 4, MESSAGE, { typeName: '.process.ProcessEvent.KeepAlive', oneof: 0 }),
      ],
      {
        oneofDecl: [{ name: 'event' }],
        nestedType: [
          message('StartEvent', [field('pid', 1, UINT32)]),
          message(
            'DataEvent',
            [
              field('stdout', 1, BYTES, { oneof: 0 }),
              field('stderr', 2, BYTES, { oneof: 0 }),
              field('pty', 3, BYTES, { oneof: 0 }),
            ],
            { oneofDecl: [{ name: 'output' }] },
          ),
          message(
            'EndEvent',
            [
              field('exit_code', 1, SINT32),
              field('exited', 2, BOOL),
              field('status', 3, STRING),
              field('error', 4, STRING, { oneof: 0, proto3Optional: true }),
            ],
            { oneofDecl: [{ name: '_error' }] },
          ),
          message('KeepAlive', []),
        ],
      },
    ),
    message('StartResponse', [field('event', 1, MESSAGE, { typeName: '.process.ProcessEvent' })]),
    message(
      'ProcessSelector',
      [field('pid', 1, UINT32, { oneof: 0 }), field('tag', 2, STRING, { oneof: 0 })],
      { oneofDecl: [{ name: 'selector' }] },
    ),
    message('SendSignalRequest', [
      field('process', 1, MESSAGE, { typeName: '.process.ProcessSelector' }),
      field('signal', 2, ENUM, { typeName: '.process.Signal' }),
    ]),
    message('SendSignalResponse', []),
  ],
  enumType: [
    {
      name: 'Signal',
      value: [
        { name: 'SIGNAL_UNSPECIFIED', number: 0 },
        { name: 'SIGNAL_SIGTERM', number: 15 },
        { name: 'SIGNAL_SIGKILL', number: 9 },
      ],
    },
  ],
  service: [
    {
      name: 'Process',
      method: [
        method('List', '.process.ListRequest', '.process.ListResponse'),
        method('Start', '.process.StartRequest', '.process.StartResponse', true),
        method('SendSignal', '.process.SendSignalRequest', '.process.SendSignalResponse'),
      ],
    },
  ],
});

const filesystemFile: FileDescriptorProto = create(FileDescriptorProtoSchema, {
  name: 'filesystem/filesystem.proto',
  package: 'filesystem',
  syntax: 'proto3',
  dependency: ['google/protobuf/timestamp.proto'],
  messageType: [
    message('MoveRequest', [field('source', 1, STRING), field('destination', 2, STRING)]),
    message('MoveResponse', [field('entry', 1, MESSAGE, { typeName: '.filesystem.EntryInfo' })]),
    message('MakeDirRequest', [field('path', 1, STRING)]),
    message('MakeDirResponse', [field('entry', 1, MESSAGE, { typeName: '.filesystem.EntryInfo' })]),
    message('RemoveRequest', [field('path', 1, STRING)]),
    message('RemoveResponse', []),
    message('StatRequest', [field('path', 1, STRING)]),
    message('StatResponse', [field('entry', 1, MESSAGE, { typeName: '.filesystem.EntryInfo' })]),
    message(
      'EntryInfo',
      [
        field('name', 1, STRING),
        field('type', 2, ENUM, { typeName: '.filesystem.FileType' }),
        field('path', 3, STRING),
        field('size', 4, INT64),
        field('mode', 5, UINT32),
        field('permissions', 6, STRING),
        field('owner', 7, STRING),
        field('group', 8, STRING),
        field('modified_time', 9, MESSAGE, { typeName: '.google.protobuf.Timestamp' }),
        field('symlink_target', 10, STRING, { oneof: 0, proto3Optional: true }),
        field('metadata', 11, MESSAGE, { repeated: true, typeName: '.filesystem.EntryInfo.MetadataEntry' }),
      ],
      { oneofDecl: [{ name: '_symlink_target' }], nestedType: [stringMapEntry('MetadataEntry')] },
    ),
    message('ListDirRequest', [field('path', 1, STRING), field('depth', 2, UINT32)]),
    message('ListDirResponse', [field('entries', 1, MESSAGE, { repeated: true, typeName: '.filesystem.EntryInfo' })]),
  ],
  enumType: [
    {
      name: 'FileType',
      value: [
        { name: 'FILE_TYPE_UNSPECIFIED', number: 0 },
        { name: 'FILE_TYPE_FILE', number: 1 },
        { name: 'FILE_TYPE_DIRECTORY', number: 2 },
        { name: 'FILE_TYPE_SYMLINK', number: 3 },
      ],
    },
  ],
  service: [
    {
      name: 'Filesystem',
      method: [
        method('Stat', '.filesystem.StatRequest', '.filesystem.StatResponse'),
        method('MakeDir', '.filesystem.MakeDirRequest', '.filesystem.MakeDirResponse'),
        method('Move', '.filesystem.MoveRequest', '.filesystem.MoveResponse'),
        method('ListDir', '.filesystem.ListDirRequest', '.filesystem.ListDirResponse'),
        method('Remove', '.filesystem.RemoveRequest', '.filesystem.RemoveResponse'),
      ],
    },
  ],
});

const processRegistry = createFileRegistry(processFile, () => undefined);
const filesystemRegistry = createFileRegistry(filesystemFile, (name) =>
  name === 'google/protobuf/timestamp.proto' ? file_google_protobuf_timestamp : undefined,
);

function service(registry: ReturnType<typeof createFileRegistry>, typeName: string): DescService {
  const found = registry.getService(typeName);
  if (!found) throw new Error(`envd schema has no service ${typeName}`);
  return found;
}

function findMethod(descService: DescService, localName: string): DescMethod {
  const found = descService.method[localName];
  if (!found) throw new Error(`envd schema has no method ${descService.typeName}.${localName}`);
  return found;
}

function isUnary(method: DescMethod): method is DescMethodUnary<DescMessage, DescMessage> {
  return method.methodKind === 'unary';
}

function isServerStreaming(method: DescMethod): method is DescMethodServerStreaming<DescMessage, DescMessage> {
  return method.methodKind === 'server_streaming';
}

function unary(descService: DescService, localName: string): DescMethodUnary<DescMessage, DescMessage> {
  const found = findMethod(descService, localName);
  if (!isUnary(found)) throw new Error(`${descService.typeName}.${localName} is not unary`);
  return found;
}

function serverStreaming(descService: DescService, localName: string): DescMethodServerStreaming<DescMessage, DescMessage> {
  const found = findMethod(descService, localName);
  if (!isServerStreaming(found)) throw new Error(`${descService.typeName}.${localName} is not server streaming`);
  return found;
}

const processService = service(processRegistry, 'process.Process');
const filesystemService = service(filesystemRegistry, 'filesystem.Filesystem');

/** The served RPCs, by the local name protobuf-es gives them. */
export const envdMethods = {
  processList: unary(processService, 'list'),
  processStart: serverStreaming(processService, 'start'),
  processSendSignal: unary(processService, 'sendSignal'),
  filesystemStat: unary(filesystemService, 'stat'),
  filesystemMakeDir: unary(filesystemService, 'makeDir'),
  filesystemMove: unary(filesystemService, 'move'),
  filesystemListDir: unary(filesystemService, 'listDir'),
  filesystemRemove: unary(filesystemService, 'remove'),
} as const;

/** `process.ProcessConfig` as protobuf-es parses it. */
export interface ProcessConfigShape {
  cmd: string;
  args: string[];
  envs: Record<string, string>;
  cwd?: string;
}

export interface StartRequestShape {
  process?: ProcessConfigShape;
  tag?: string;
  stdin?: boolean;
}

export type ProcessSelectorShape = { selector: { case: 'pid'; value: number } | { case: 'tag'; value: string } | { case: undefined } };

export interface SendSignalRequestShape {
  process?: ProcessSelectorShape;
  /** `process.Signal`: 9 SIGKILL, 15 SIGTERM. */
  signal: number;
}

export interface PathRequestShape {
  path: string;
}

export interface ListDirRequestShape {
  path: string;
  depth: number;
}

export interface MoveRequestShape {
  source: string;
  destination: string;
}

/** `filesystem.FileType` numbers. */
export const envdFileType = { file: 1, directory: 2, symlink: 3 } as const;

/** `filesystem.EntryInfo` in the init form the router serialises. */
export interface EntryInfoInit {
  name: string;
  type: number;
  path: string;
  size: bigint;
  mode: number;
  permissions: string;
  owner: string;
  group: string;
  modifiedTime: { seconds: bigint; nanos: number };
  symlinkTarget?: string;
  metadata: Record<string, string>;
}

/** One `process.ProcessEvent` in init form. */
export type ProcessEventInit =
  | { event: { case: 'start'; value: { pid: number } } }
  | { event: { case: 'data'; value: { output: { case: 'stdout' | 'stderr'; value: Uint8Array } } } }
  | { event: { case: 'end'; value: { exitCode: number; exited: boolean; status: string; error?: string } } };
