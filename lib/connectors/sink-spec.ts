/** Where a sink writes. In local runs with `--out` every sink writes `<out>/<name>.jsonl` instead. */
export type SinkSpec<T> =
  | {
      kind: 'kinesis';
      /** Logical name; also the file name in local runs. */
      name: string;
      /** Physical stream; default `<job>-sink-<name>`. */
      streamName?: string;
      partitionKey: (value: T) => string;
    }
  | {
      kind: 'dynamodb';
      name: string;
      /** Physical table; default `<job>-sink-<name>`, key attribute `id`. */
      tableName?: string;
      /** Deterministic item key, so a re-delivered output overwrites itself instead of duplicating. */
      key: (value: T) => string;
    }
  | {
      /** `DataStream.print()`: a line per record in the function's log. */
      kind: 'print';
      name: string;
    };
