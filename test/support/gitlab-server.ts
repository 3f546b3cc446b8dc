import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { zipSync } from 'fflate';

/**
 * A loopback GitLab speaking the documented API v4 shapes of exactly the endpoints spacktainers
 * uses (pipelines, jobs, bridges, artifacts archive, branches, protected branches, merge-request
 * notes), and of those the deployment guide's set-up commands call (project CI/CD variables,
 * pipeline schedules and their variables, project access tokens), with GitLab's offset pagination
 * headers. Tests drive it through the real gitbeaker client, and the guide through curl.
 */
export interface FakePipeline {
  id: number;
  ref: string;
  status: string;
  source?: string;
}

export interface FakeJob {
  id: number;
  name: string;
  status: string;
  stage?: string;
  /** The job's artifacts archive (zip); a job without one answers 404. */
  archive?: Uint8Array | undefined;
  artifactsExpireAt?: string;
  /** Seconds it ran; 1 unless given. */
  duration?: number;
}

export interface FakeBridge {
  id: number;
  name: string;
  status: string;
  /** The pipeline it started; `project` when another project's (a multi-project trigger). */
  downstream?: { id: number; status: string; project?: number };
}

export interface FakeNote {
  id: number;
  body: string;
  system: boolean;
  author: string;
}

/** A project CI/CD variable as `POST /projects/:id/variables` stores it. */
export interface FakeVariable {
  key: string;
  value: string;
  protected: boolean;
  masked: boolean;
  environment_scope: string;
}

export interface FakeSchedule {
  id: number;
  description: string;
  ref: string;
  cron: string;
  cron_timezone: string;
  active: boolean;
  variables: { key: string; value: string }[];
}

export interface FakeAccessToken {
  id: number;
  name: string;
  scopes: string[];
  access_level: number;
  expires_at: string;
  token: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
}

export const PROJECT_ID = 42;
export const TOKEN = 'glpat-test-token-never-printed';

export class FakeGitlab {
  pipelines: FakePipeline[] = [];
  jobs = new Map<number, FakeJob[]>();
  bridges = new Map<number, FakeBridge[]>();
  branches: { name: string; protected?: boolean; default?: boolean }[] = [];
  protectedBranches: string[] = [];
  notes = new Map<number, FakeNote[]>();
  variables: FakeVariable[] = [];
  schedules: FakeSchedule[] = [];
  accessTokens: FakeAccessToken[] = [];
  requests: RecordedRequest[] = [];
  /** Answers to give before the real one, per path pattern: e.g. 503 twice, then the real answer. */
  faults: { pattern: RegExp; statuses: number[] }[] = [];
  private nextNoteId = 1000;
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: Error) => send(response, 500, { message: error.message }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v4`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** CI variables a job in this project would have, pointing at this server. */
  ciVariables(apiUrl: string): Record<string, string> {
    return { CI_API_V4_URL: apiUrl, CI_PROJECT_ID: String(PROJECT_ID), GITLAB_API_TOKEN: TOKEN };
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? '127.0.0.1'}`);
    const method = request.method ?? 'GET';
    this.requests.push({ method, path: url.pathname, query: url.searchParams });
    if (request.headers['private-token'] !== TOKEN) return send(response, 401, { message: '401 Unauthorized' });
    const fault = this.faults.find((f) => f.pattern.test(url.pathname) && f.statuses.length > 0);
    if (fault) return send(response, fault.statuses.shift()!, { message: 'injected fault' });
    const prefix = `/api/v4/projects/${PROJECT_ID}/`;
    if (!url.pathname.startsWith(prefix)) return send(response, 404, { message: '404 Project Not Found' });
    const route = url.pathname.slice(prefix.length);
    const body = method === 'GET' ? {} : await readJson(request);
    const q = url.searchParams;
    let m: RegExpMatchArray | null;

    if (method === 'GET' && route === 'pipelines') {
      const found = this.pipelines
        .filter((p) => (!q.get('ref') || p.ref === q.get('ref')) && (!q.get('status') || p.status === q.get('status')))
        .sort((a, b) => (q.get('sort') === 'asc' ? a.id - b.id : b.id - a.id));
      return paginate(response, url, found.map(pipelineJson));
    }
    if (method === 'GET' && (m = /^pipelines\/(\d+)$/.exec(route))) {
      const pipeline = this.pipelines.find((p) => p.id === Number(m![1]));
      return pipeline
        ? send(response, 200, { ...pipelineJson(pipeline), before_sha: '0'.repeat(40), tag: false })
        : send(response, 404, { message: '404 Not found' });
    }
    if (method === 'GET' && (m = /^pipelines\/(\d+)\/jobs$/.exec(route))) {
      const pipeline = this.pipelineOr404(Number(m[1]), response);
      if (!pipeline) return;
      return paginate(
        response,
        url,
        (this.jobs.get(pipeline.id) ?? []).map((j) => jobJson(j, pipeline)),
      );
    }
    if (method === 'GET' && (m = /^pipelines\/(\d+)\/bridges$/.exec(route))) {
      const pipeline = this.pipelineOr404(Number(m[1]), response);
      if (!pipeline) return;
      return paginate(
        response,
        url,
        (this.bridges.get(pipeline.id) ?? []).map((b) => bridgeJson(b, pipeline, this.pipelines)),
      );
    }
    if (method === 'GET' && (m = /^jobs\/(\d+)\/artifacts$/.exec(route))) {
      const job = [...this.jobs.values()].flat().find((j) => j.id === Number(m![1]));
      if (!job?.archive) return send(response, 404, { message: '404 Not Found' });
      response.writeHead(200, { 'content-type': 'application/zip', 'content-disposition': 'attachment; filename="artifacts.zip"' });
      response.end(Buffer.from(job.archive));
      return;
    }
    if (method === 'GET' && route === 'repository/branches') {
      return paginate(response, url, this.branches.map(branchJson));
    }
    if (method === 'GET' && route === 'protected_branches') {
      return paginate(
        response,
        url,
        this.protectedBranches.map((name, i) => ({
          id: i + 1,
          name,
          push_access_levels: [],
          merge_access_levels: [],
          allow_force_push: false,
          code_owner_approval_required: false,
        })),
      );
    }
    if ((m = /^merge_requests\/(\d+)\/notes(?:\/(\d+))?$/.exec(route))) {
      const iid = Number(m[1]);
      const notes = this.notes.get(iid) ?? [];
      this.notes.set(iid, notes);
      if (method === 'GET' && !m[2])
        return paginate(
          response,
          url,
          notes.map((n) => noteJson(n, iid)),
        );
      if (method === 'POST' && !m[2]) {
        const note = { id: this.nextNoteId++, body: String(body.body), system: false, author: 'spacktainers-bot' };
        notes.push(note);
        return send(response, 201, noteJson(note, iid));
      }
      if (method === 'PUT' && m[2]) {
        const note = notes.find((n) => n.id === Number(m![2]));
        if (!note) return send(response, 404, { message: '404 Note Not Found' });
        note.body = String(body.body);
        return send(response, 200, noteJson(note, iid));
      }
    }
    if (method === 'POST' && route === 'variables') return this.createVariable(body, response);
    if (method === 'POST' && route === 'pipeline_schedules') {
      const schedule: FakeSchedule = {
        id: this.schedules.length + 1,
        description: field(body, 'description', ''),
        ref: field(body, 'ref', ''),
        cron: field(body, 'cron', ''),
        cron_timezone: field(body, 'cron_timezone', 'UTC'),
        active: body.active === undefined ? true : isTrue(body.active),
        variables: [],
      };
      if (!schedule.description || !schedule.ref || !schedule.cron) return send(response, 400, { message: 'description, ref, cron are required' });
      this.schedules.push(schedule);
      return send(response, 201, scheduleJson(schedule));
    }
    if (method === 'POST' && (m = /^pipeline_schedules\/(\d+)\/variables$/.exec(route))) {
      const schedule = this.schedules.find((s) => s.id === Number(m![1]));
      if (!schedule) return send(response, 404, { message: '404 Pipeline Schedule Not Found' });
      const variable = { key: field(body, 'key', ''), value: field(body, 'value', '') };
      if (!variable.key) return send(response, 400, { message: 'key is missing' });
      schedule.variables.push(variable);
      return send(response, 201, { ...variable, variable_type: 'env_var' });
    }
    if (method === 'POST' && route === 'access_tokens') {
      const scopes = [body['scopes[]'] ?? body.scopes]
        .flat()
        .filter((s) => s !== undefined)
        .map(String);
      const token: FakeAccessToken = {
        id: this.accessTokens.length + 1,
        name: field(body, 'name', ''),
        scopes,
        access_level: Number(body.access_level ?? 40),
        expires_at: field(body, 'expires_at', ''),
        token: `glpat-project-token-${this.accessTokens.length + 1}`,
      };
      if (!token.name || scopes.length === 0 || !token.expires_at) return send(response, 400, { message: 'name, scopes, expires_at are required' });
      this.accessTokens.push(token);
      return send(response, 201, { ...token, active: true, revoked: false, created_at: TIME, user_id: 900 + token.id });
    }
    send(response, 404, { error: '404 Not Found' });
  }

  /** GitLab refuses to mask a value it could not find in a log: under 8 characters or outside its alphabet. */
  private createVariable(body: Record<string, unknown>, response: ServerResponse): void {
    const variable: FakeVariable = {
      key: field(body, 'key', ''),
      value: field(body, 'value', ''),
      protected: isTrue(body.protected),
      masked: isTrue(body.masked),
      environment_scope: field(body, 'environment_scope', '*'),
    };
    if (!/^[A-Za-z0-9_]+$/.test(variable.key)) return send(response, 400, { message: { key: ['can contain only letters, digits and _.'] } });
    if (variable.masked && !/^[A-Za-z0-9+/=@:.~_-]{8,}$/.test(variable.value)) return send(response, 400, { message: { value: ['is invalid'] } });
    if (this.variables.some((v) => v.key === variable.key && v.environment_scope === variable.environment_scope))
      return send(response, 400, { message: { key: [`(${variable.key}) has already been taken`] } });
    this.variables.push(variable);
    send(response, 201, { variable_type: 'env_var', ...variable, hidden: false, raw: false, description: null });
  }

  private pipelineOr404(id: number, response: ServerResponse): FakePipeline | undefined {
    const pipeline = this.pipelines.find((p) => p.id === id);
    if (!pipeline) send(response, 404, { message: '404 Not found' });
    return pipeline;
  }
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  if ((request.headers['content-type'] ?? '').includes('json')) return JSON.parse(text) as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(text));
}

/** GitLab's offset pagination: page/per_page in, x-* headers and a `link` header out. */
function paginate(response: ServerResponse, url: URL, items: unknown[]): void {
  const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 20), 100);
  const page = Number(url.searchParams.get('page') ?? 1);
  const totalPages = Math.max(1, Math.ceil(items.length / perPage));
  const pageUrl = (n: number) => {
    const next = new URL(url);
    next.searchParams.set('page', String(n));
    next.searchParams.set('per_page', String(perPage));
    return next;
  };
  const links = [
    ...(page < totalPages ? [`<${pageUrl(page + 1)}>; rel="next"`] : []),
    ...(page > 1 ? [`<${pageUrl(page - 1)}>; rel="prev"`] : []),
    `<${pageUrl(1)}>; rel="first"`,
    `<${pageUrl(totalPages)}>; rel="last"`,
  ];
  send(response, 200, items.slice((page - 1) * perPage, page * perPage), {
    'x-page': String(page),
    'x-per-page': String(perPage),
    'x-total': String(items.length),
    'x-total-pages': String(totalPages),
    'x-next-page': page < totalPages ? String(page + 1) : '',
    'x-prev-page': page > 1 ? String(page - 1) : '',
    link: links.join(', '),
  });
}

const TIME = '2024-05-01T12:00:00.000Z';
const sha = (n: number) => n.toString(16).padStart(40, '0');

function pipelineJson(p: FakePipeline) {
  return {
    id: p.id,
    iid: p.id - 100,
    project_id: PROJECT_ID,
    sha: sha(p.id),
    ref: p.ref,
    status: p.status,
    source: p.source ?? 'push',
    created_at: TIME,
    updated_at: TIME,
    web_url: `https://gitlab.example.org/hpc/spacktainers/-/pipelines/${p.id}`,
  };
}

/** What jobs and bridges share in the API: the pipeline they ran in and fixed times. */
function runJson(id: number, p: FakePipeline, duration = 1) {
  return {
    ref: p.ref,
    tag: false,
    allow_failure: false,
    created_at: TIME,
    started_at: TIME,
    finished_at: TIME,
    duration,
    queued_duration: 0,
    pipeline: pipelineJson(p),
    web_url: `https://gitlab.example.org/hpc/spacktainers/-/jobs/${id}`,
  };
}

function jobJson(j: FakeJob, p: FakePipeline) {
  return {
    id: j.id,
    name: j.name,
    stage: j.stage ?? 'test',
    status: j.status,
    ...runJson(j.id, p, j.duration),
    artifacts: j.archive ? [{ file_type: 'archive', size: j.archive.length, filename: 'artifacts.zip', file_format: 'zip' }] : [],
    artifacts_file: j.archive ? { filename: 'artifacts.zip', size: j.archive.length } : undefined,
    artifacts_expire_at: j.artifactsExpireAt ?? null,
  };
}

function bridgeJson(b: FakeBridge, p: FakePipeline, all: FakePipeline[]) {
  const child = b.downstream && {
    ...pipelineJson(all.find((x) => x.id === b.downstream!.id) ?? { id: b.downstream.id, ref: p.ref, status: b.downstream.status }),
    status: b.downstream.status,
    ...(b.downstream.project === undefined ? {} : { project_id: b.downstream.project }),
  };
  return {
    id: b.id,
    name: b.name,
    stage: 'build',
    status: b.status,
    ...runJson(b.id, p),
    downstream_pipeline: child ?? null,
  };
}

function branchJson(b: { name: string; protected?: boolean; default?: boolean }) {
  return {
    name: b.name,
    merged: false,
    protected: b.protected ?? false,
    default: b.default ?? false,
    developers_can_push: false,
    developers_can_merge: false,
    can_push: true,
    web_url: `https://gitlab.example.org/hpc/spacktainers/-/tree/${encodeURIComponent(b.name)}`,
    commit: { id: sha(1), short_id: sha(1).slice(0, 8), title: 'commit', message: 'commit' },
  };
}

/** A form or JSON field as the API reads it: text, or the fallback. */
function field(body: Record<string, unknown>, name: string, fallback: string): string {
  const value = body[name];
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : fallback;
}

function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

function scheduleJson(s: FakeSchedule) {
  const { variables, ...schedule } = s;
  return { ...schedule, next_run_at: TIME, created_at: TIME, updated_at: TIME, owner: { id: 1, username: 'maintainer' }, variables };
}

function noteJson(n: FakeNote, iid: number) {
  return {
    id: n.id,
    type: null,
    body: n.body,
    attachment: null,
    author: { id: 1, username: n.author, name: n.author },
    created_at: TIME,
    updated_at: TIME,
    system: n.system,
    noteable_id: 9000 + iid,
    noteable_type: 'MergeRequest',
    noteable_iid: iid,
    project_id: PROJECT_ID,
    resolvable: false,
    confidential: false,
    internal: false,
  };
}

/** An artifacts archive as GitLab stores it: the job's paths relative to the project. */
export function artifactsZip(files: Record<string, Uint8Array | string>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, typeof v === 'string' ? new TextEncoder().encode(v) : v])));
}
