// The de-aggregation module of aws-kinesis-agg, imported alone (its index also loads the
// aggregator and its dependencies, which a consumer does not need). Types of what kpl-records.ts uses.
declare module 'aws-kinesis-agg/lib/kpl-deagg.js' {
  export function deaggregateSync(
    kinesisRecord: { data: string; partitionKey: string; sequenceNumber: string },
    computeChecksums: boolean,
    afterRecordCallback: (error: Error | null | undefined, userRecords?: { data: string; subSequenceNumber: number }[]) => void,
  ): void;
}
