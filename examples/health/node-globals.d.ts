// The two Node globals status.ts uses, declared here so tsc needs no @types/node download.
declare const process: {
  argv: string[];
  exit(code: number): never;
};
