/** Where a sink writes. In local runs with `--out` every sink writes `<out>/<name>.jsonl` instead. */
export type SinkSpec<T> =
  | {
      kind: 'kinesis';
      /** Logical name; also the file name in local runs. */
      name: string;
      /** Physical stream; default `<job>-sink-<name>`. */
      streamName?: string;
      partitionKey: (value: T) => string;
      /**
       * Each record is `{"id": <output id>, "value": <the output>}`: the id is the same however
       * often a retried batch puts the output again, so a consumer can keep each once (an eddy
       * source does with its `outputIds` option). Off: the output itself, as before.
       */
      outputIds?: boolean;
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
