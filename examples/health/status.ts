// A TypeScript frontend of the weir health API (what a React app's data layer does): typed
// fetches of /v1/status and /v1/diagram, polled at an interval.
//
//   tsc && node status.js http://127.0.0.1:8000/api/health [polls] [interval_ms]
//
// Exit code: 0 no process failed on the last poll, 1 a process failed, 2 the API failed.

export type Status = "healthy" | "failed" | "degraded" | "pending" | "unknown" | "maintenance";

export interface CheckView {
  id: string;
  name: string;
  type: string;
  severity: "critical" | "warning";
  status: Status;
  message: string;
  duration_ms: number | null;
  checked_at: string | null;
}

export interface ProcessView {
  id: string;
  name: string;
  group: string | null;
  status: Status;
  root_cause: string | null;
  checks: CheckView[];
}

export interface Snapshot {
  pipeline: string;
  status: Status;
  checked_at: string | null;
  processes: ProcessView[];
  counts: Record<Status, number>;
  config_error: string | null;
}

interface Envelope<T> {
  status: "ok" | "error";
  data: T | null;
  error: { code: string; message: string } | null;
}

export class HealthApi {
  constructor(private readonly base: string) {}

  private async get<T>(path: string): Promise<T> {
    const response = await fetch(`${this.base}${path}`, { headers: { accept: "application/json" } });
    const body = (await response.json()) as Envelope<T>;
    if (body.status !== "ok" || body.data === null) {
      throw new Error(`${body.error?.code}: ${body.error?.message}`);
    }
    return body.data;
  }

  status(): Promise<Snapshot> {
    return this.get<Snapshot>("/v1/status");
  }

  async diagram(): Promise<string> {
    return (await this.get<{ mermaid: string }>("/v1/diagram")).mermaid;
  }
}

const ICON: Record<Status, string> = {
  healthy: "OK  ",
  failed: "FAIL",
  degraded: "WARN",
  pending: "PEND",
  unknown: "??  ",
  maintenance: "MAIN",
};

async function main(): Promise<number> {
  const base = (process.argv[2] ?? "http://127.0.0.1:8000/api/health").replace(/\/$/, "");
  const polls = Number(process.argv[3] ?? "1");
  const interval = Number(process.argv[4] ?? "1000");
  const api = new HealthApi(base);
  let failed = 0;
  for (let poll = 1; poll <= polls; poll++) {
    const snapshot = await api.status();
    failed = snapshot.counts.failed;
    console.log(`poll ${poll}: ${snapshot.pipeline} ${snapshot.status.toUpperCase()}`);
    for (const p of snapshot.processes) {
      const cause = p.root_cause ? ` (caused by ${p.root_cause})` : "";
      console.log(`  ${ICON[p.status]} ${p.id}${cause}`);
    }
    if (poll < polls) await new Promise((resolve) => setTimeout(resolve, interval));
  }
  const diagram = await api.diagram();
  console.log(`diagram: ${diagram.split("\n")[0]}, ${diagram.split("\n").length - 1} lines`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`health API failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
