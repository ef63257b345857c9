// A Testcontainers module for the mock (`cora-ocr-mock/testcontainers`): starts the image from a
// test, waits on its HEALTHCHECK, and hands back the service URL, the admin URL and a ready
// AdminClient. `testcontainers` (11.x) is an optional peer dependency: only this entry loads it.
import fs from 'node:fs';
import path from 'node:path';
import { AbstractStartedContainer, GenericContainer, Wait } from 'testcontainers';
import type { StartedTestContainer } from 'testcontainers';
import { AdminClient } from './client';

/** The tag `docker build -t cora-ocr-mock:local .` (and docker-compose.yml, and the container test) gives the image. */
export const DEFAULT_IMAGE = 'cora-ocr-mock:local';
/** The port the image listens on. */
export const MOCK_PORT = 8080;
/** Where the ASMX service lives on the mock. */
export const SERVICE_PATH = '/SequenceServices/coraOcrIntegration_v1.0.0.asmx';
/** Where fixtures given with `withFixtures` are copied to inside the container (FIXTURES_DIR). */
export const CONTAINER_FIXTURES_DIR = '/fixtures';

export interface CoraOcrMockContainerOptions {
  /** The image to run (default `cora-ocr-mock:local`; it must exist in the engine or be pullable). */
  image?: string;
  /** Extra environment of the mock, e.g. `{ QUEUED_MS: '100' }` (see the README's Configuration). */
  environment?: Record<string, string>;
  /** A host folder of fixture JSON files, copied into the container; FIXTURES_DIR points at the copy. */
  fixturesDir?: string;
  /** Sets ADMIN_TOKEN; the started container's AdminClient sends it. */
  adminToken?: string;
  /** How long to wait for the health check to pass (default 60 s). */
  startupTimeoutMs?: number;
}

export interface FromDockerfileOptions {
  /** Tag for the built image (default `cora-ocr-mock:local`). */
  imageName?: string;
  /** Reuse the engine's build cache (default true). */
  cache?: boolean;
  /** Build with BuildKit (default true; it shares the cache of `docker build`). false: the classic builder. */
  buildkit?: boolean;
}

/** A test container running cora-ocr-mock. */
export class CoraOcrMockContainer extends GenericContainer {
  private adminToken: string | undefined;

  constructor(imageOrOptions: string | CoraOcrMockContainerOptions = {}) {
    const opts = typeof imageOrOptions === 'string' ? { image: imageOrOptions } : imageOrOptions;
    super(opts.image ?? DEFAULT_IMAGE);
    this.withExposedPorts(MOCK_PORT)
      .withWaitStrategy(Wait.forHealthCheck())
      .withStartupTimeout(opts.startupTimeoutMs ?? 60_000);
    if (opts.environment) this.withEnvironment(opts.environment);
    if (opts.fixturesDir !== undefined) this.withFixtures(opts.fixturesDir);
    if (opts.adminToken !== undefined) this.withAdminToken(opts.adminToken);
  }

  /**
   * Builds the image from a cora-ocr-mock checkout's Dockerfile (default: this package's folder,
   * when it is a checkout: an installed package has no Dockerfile nor package-lock.json), tags it
   * and returns a container of it. The Dockerfile's base image must be in the engine or pullable.
   */
  static async buildFromDockerfile(context: string = path.resolve(__dirname, '../..'), opts: FromDockerfileOptions = {}): Promise<CoraOcrMockContainer> {
    const dir = path.resolve(context);
    for (const needed of ['Dockerfile', 'package-lock.json', 'server']) {
      if (!fs.existsSync(path.join(dir, needed))) {
        throw new Error(`CoraOcrMockContainer.buildFromDockerfile: ${dir} has no ${needed}; pass the folder of a cora-ocr-mock checkout`);
      }
    }
    const imageName = opts.imageName ?? DEFAULT_IMAGE;
    const builder = GenericContainer.fromDockerfile(dir).withCache(opts.cache ?? true);
    if (opts.buildkit ?? true) builder.withBuildkit();
    await builder.build(imageName, { deleteOnExit: false });
    return new CoraOcrMockContainer(imageName);
  }

  /** Copies every file of `dir` (a host folder of fixture JSON files) into the container and sets FIXTURES_DIR to it. */
  withFixtures(dir: string): this {
    const root = path.resolve(dir);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(root);
    } catch {
      throw new Error(`CoraOcrMockContainer.withFixtures: ${root} does not exist`);
    }
    if (!stat.isDirectory()) throw new Error(`CoraOcrMockContainer.withFixtures: ${root} is not a folder`);
    const files: { source: string; target: string; mode: number }[] = [];
    const walk = (from: string, to: string): void => {
      for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
        const source = path.join(from, entry.name);
        const target = path.posix.join(to, entry.name);
        if (entry.isDirectory()) walk(source, target);
        // Readable by the image's unprivileged user whatever the host's mode was.
        else if (entry.isFile()) files.push({ source, target, mode: 0o644 });
      }
    };
    walk(root, CONTAINER_FIXTURES_DIR);
    this.withCopyFilesToContainer(files);
    return this.withEnvironment({ FIXTURES_DIR: CONTAINER_FIXTURES_DIR });
  }

  /** Requires `Authorization: Bearer <token>` on the admin API (except health); the AdminClient sends it. */
  withAdminToken(token: string): this {
    if (token === '') throw new Error('CoraOcrMockContainer.withAdminToken: the token is empty');
    this.adminToken = token;
    return this.withEnvironment({ ADMIN_TOKEN: token });
  }

  /** Stage durations in milliseconds (QUEUED_MS, PROCESSING_INPUT_MS, WAITING_FOR_OUTPUT_MS). */
  withStageTimings(timings: { queuedMs?: number; processingInputMs?: number; waitingForOutputMs?: number }): this {
    const env: Record<string, string> = {};
    if (timings.queuedMs !== undefined) env['QUEUED_MS'] = String(timings.queuedMs);
    if (timings.processingInputMs !== undefined) env['PROCESSING_INPUT_MS'] = String(timings.processingInputMs);
    if (timings.waitingForOutputMs !== undefined) env['WAITING_FOR_OUTPUT_MS'] = String(timings.waitingForOutputMs);
    return this.withEnvironment(env);
  }

  override async start(): Promise<StartedCoraOcrMockContainer> {
    return new StartedCoraOcrMockContainer(await super.start(), this.adminToken);
  }
}

/** A running cora-ocr-mock: its URLs and an AdminClient for it. Stop it with `stop()`. */
export class StartedCoraOcrMockContainer extends AbstractStartedContainer {
  /** The mock's origin as the host sees it, e.g. http://127.0.0.1:32768 */
  readonly url: string;
  /** The ASMX endpoint: give this to the system under test. */
  readonly serviceUrl: string;
  /** The WSDL (its addresses follow the Host header the client sends). */
  readonly wsdlUrl: string;
  /** The admin plane's base, `<url>/__admin`. */
  readonly adminUrl: string;
  /** An AdminClient for this container (with the admin token, when one was set). */
  readonly admin: AdminClient;

  constructor(started: StartedTestContainer, adminToken: string | undefined) {
    super(started);
    this.url = `http://${started.getHost()}:${started.getMappedPort(MOCK_PORT)}`;
    this.serviceUrl = this.url + SERVICE_PATH;
    this.wsdlUrl = this.serviceUrl + '?WSDL';
    this.adminUrl = this.url + '/__admin';
    this.admin = new AdminClient(adminToken === undefined ? { url: this.url } : { url: this.url, token: adminToken });
  }

  /** The service URL of a namespace (`/ns/{name}/SequenceServices/...`): one per parallel suite. */
  serviceUrlIn(namespace: string): string {
    return `${this.url}/ns/${encodeURIComponent(namespace)}${SERVICE_PATH}`;
  }
}
