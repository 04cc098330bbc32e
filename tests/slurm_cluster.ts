/**
 * A private single-node Slurm cluster for tests, started from a temporary folder without
 * systemd: its own munged (key, socket, pid, log, seed in the folder), slurmctld and
 * slurmd on free ports, `localhost` as the only node with this machine's CPUs, no
 * accounting. Clients reach it through `SLURM_CONF` (see {@linkcode SlurmCluster.env}).
 * Every daemon is stopped by its PID when the test ends, fails, or is interrupted.
 *
 * Needs the Debian packages slurmctld, slurmd, slurm-client and munge (.ci/run installs
 * them). Runs as root (SlurmUser=root) or as any user (the cluster then runs as that user).
 *
 * From the command line, to try `--launcher slurm` on one machine:
 *
 * ```sh
 * eval "$(deno run -A tests/slurm_cluster.ts start)"   # exports SLURM_CONF, NNLAB_SLURM_DIR
 * deno task exp:weight-scale --quick --launcher slurm --wait
 * deno run -A tests/slurm_cluster.ts stop "$NNLAB_SLURM_DIR"
 * ```
 *
 * @module
 */
import { totalmem, userInfo } from "node:os";
import { join } from "node:path";

/** A running test cluster. */
export interface SlurmCluster {
  /** The temporary folder holding its config, keys, state and logs. */
  dir: string;
  /** Path of its slurm.conf. */
  conf: string;
  /** Environment for Slurm clients (sbatch, squeue, scontrol) to talk to it. */
  env: Record<string, string>;
  /** Milliseconds from the first command to the node reported idle. */
  startupMs: number;
  /** Cancels every job, stops every daemon by its PID, removes the folder. */
  stop(): Promise<void>;
  /** The daemons' log tails, for a failing test's message. */
  logs(): Promise<string>;
}

const CLUSTER_NAME = "nnlabtest";
const BINARIES = ["mungekey", "munged", "slurmctld", "slurmd", "sbatch", "sinfo", "scontrol"];
const INSTALL_HINT = "apt-get install slurmctld slurmd slurm-client munge (.ci/run does)";

/**
 * Why the live-cluster tests cannot run here (Slurm or munge missing), or undefined. Such
 * tests are ignored with this line; with NNLAB_REQUIRE_SLURM=1 (CI sets it) a missing
 * binary fails them instead.
 */
export const slurmSkip: string | undefined = await (async () => {
  const missing = [];
  for (const name of BINARIES) if (!(await which(name))) missing.push(name);
  if (missing.length === 0) return undefined;
  const reason = `${missing.join(", ")} not found; ${INSTALL_HINT}`;
  if (Deno.env.get("NNLAB_REQUIRE_SLURM") === "1") {
    throw new Error(`NNLAB_REQUIRE_SLURM=1 but ${reason}`);
  }
  // Not on the command line, whose output a shell evaluates (`eval "$(... start)"`).
  if (!import.meta.main) console.log(`live Slurm tests ignored: ${reason}`);
  return reason;
})();

async function run(command: string, args: string[], env: Record<string, string> = {}) {
  const output = await new Deno.Command(command, { args, env, stdout: "piped", stderr: "piped" })
    .output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: text(output.stdout), stderr: text(output.stderr) };
}

async function which(name: string): Promise<boolean> {
  for (const dir of [...(Deno.env.get("PATH") ?? "").split(":"), "/usr/sbin", "/sbin"]) {
    try {
      if ((await Deno.stat(join(dir, name))).isFile) return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

/** A TCP port nobody listens on right now. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * Whether any thread of `pid` still runs. The daemons fork away from us, so nobody may
 * reap them: an exited one stays a zombie until init reaps it, and a zombie leader can
 * still have threads at work (munged writes its seed file on the way out).
 *
 * @example
 * ```ts
 * processRunning(Deno.pid); // true
 * ```
 */
export function processRunning(pid: number): boolean {
  try {
    for (const thread of Deno.readDirSync(`/proc/${pid}/task`)) {
      const stat = Deno.readTextFileSync(`/proc/${pid}/task/${thread.name}/stat`);
      if (!stat.includes(") Z ") && !stat.includes(") X ")) return true;
    }
  } catch {
    // gone
  }
  return false;
}

async function readPid(path: string, what: string): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      const pid = Number((await Deno.readTextFile(path)).trim());
      if (pid > 0) return pid;
    } catch {
      // not written yet: the daemon is still starting
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`slurm test cluster: ${what} wrote no pid file at ${path}`);
}

/** A daemon of the cluster, as its pid file names it. */
interface Daemon {
  name: "munged" | "slurmctld" | "slurmd";
  pid: number;
}

/**
 * Stops a cluster: its jobs (their processes belong to slurmstepd, which outlives slurmd),
 * then each daemon by its PID, newest first (SIGTERM, SIGKILL after 5 s), then removes its
 * folder. A PID whose process is not the daemon named (reused after a crash) is left alone.
 */
async function shutDown(dir: string, daemons: Daemon[]): Promise<void> {
  const env = { SLURM_CONF: join(dir, "slurm.conf") };
  if (daemons.length === 3) {
    await run("scancel", ["--partition=debug"], env).catch(() => {});
    for (let attempt = 0; attempt < 100; attempt++) {
      const queue = await run("squeue", ["-h", "-o", "%i"], env).catch(() => undefined);
      if (!queue || queue.code !== 0 || queue.stdout.trim() === "") break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  for (const { name, pid } of [...daemons].reverse()) {
    const command = await Deno.readTextFile(`/proc/${pid}/comm`).catch(() => "");
    if (command.trim() !== name) continue; // gone, or the PID now names another process
    try {
      Deno.kill(pid, "SIGTERM");
    } catch {
      continue; // already gone
    }
    for (let attempt = 0; attempt < 100 && processRunning(pid); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (processRunning(pid)) Deno.kill(pid, "SIGKILL");
  }
  // A daemon's last write (munged's seed file) can land after its threads look gone.
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      await Deno.remove(dir, { recursive: true });
      break;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * Starts a cluster and waits until its node is idle. Throws (after stopping whatever
 * started) when a binary is missing or a daemon does not come up.
 *
 * @example
 * ```ts
 * const cluster = await startSlurmCluster();
 * try {
 *   await new Deno.Command("sinfo", { env: cluster.env }).output();
 * } finally {
 *   await cluster.stop();
 * }
 * ```
 */
export async function startSlurmCluster(): Promise<SlurmCluster> {
  if (slurmSkip) throw new Error(`slurm test cluster: ${slurmSkip}`);
  const begin = performance.now();
  const dir = await Deno.makeTempDir({ prefix: "nnlab-slurm-" });
  // munged refuses a socket in a folder that others cannot traverse.
  await Deno.chmod(dir, 0o755);
  const at = (name: string) => join(dir, name);
  const conf = at("slurm.conf");
  const env = { SLURM_CONF: conf };
  const pids: Daemon[] = [];
  let stopped = false;

  const logs = async () => {
    const parts: string[] = [];
    for (const name of ["munged.log", "slurmctld.log", "slurmd.log"]) {
      const text = await Deno.readTextFile(at(name)).catch(() => "(none)");
      parts.push(`--- ${name}\n${text.split("\n").slice(-15).join("\n")}`);
    }
    return parts.join("\n");
  };

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    Deno.removeSignalListener("SIGINT", onInterrupt);
    await shutDown(dir, pids);
  };

  const onInterrupt = () => {
    stop().finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", onInterrupt);

  try {
    const key = await run("mungekey", ["--create", `--keyfile=${at("munge.key")}`]);
    if (key.code !== 0) throw new Error(`mungekey: ${key.stderr.trim()}`);
    const munged = await run("munged", [
      `--socket=${at("munge.socket")}`,
      `--key-file=${at("munge.key")}`,
      `--pid-file=${at("munged.pid")}`,
      `--log-file=${at("munged.log")}`,
      `--seed-file=${at("munged.seed")}`,
    ]);
    if (munged.code !== 0) throw new Error(`munged: ${munged.stderr.trim()}`);
    pids.push({ name: "munged", pid: await readPid(at("munged.pid"), "munged") });

    await Deno.mkdir(at("state"));
    await Deno.mkdir(at("spool"));
    const user = userInfo().username;
    const cpus = navigator.hardwareConcurrency ?? 1;
    // slurmd drains a node that claims more memory than it has.
    const memoryMb = Math.floor(totalmem() / 2 ** 20 * 0.8);
    const controller = Deno.hostname().split(".")[0];
    await Deno.writeTextFile(
      conf,
      [
        `ClusterName=${CLUSTER_NAME}`,
        `SlurmctldHost=${controller}(127.0.0.1)`,
        `SlurmUser=${user}`,
        `SlurmdUser=${user}`,
        "AuthType=auth/munge",
        "CredType=cred/munge",
        `AuthInfo=socket=${at("munge.socket")}`,
        `SlurmctldPort=${freePort()}`,
        `SlurmdPort=${freePort()}`,
        `StateSaveLocation=${at("state")}`,
        `SlurmdSpoolDir=${at("spool")}`,
        `SlurmctldPidFile=${at("slurmctld.pid")}`,
        `SlurmdPidFile=${at("slurmd.pid")}`,
        `SlurmctldLogFile=${at("slurmctld.log")}`,
        `SlurmdLogFile=${at("slurmd.log")}`,
        // No cgroups in a container: track processes by their parent ids, bind nothing.
        "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none",
        "SelectType=select/cons_tres",
        "SelectTypeParameters=CR_CPU",
        "SchedulerType=sched/builtin",
        "AccountingStorageType=accounting_storage/none",
        "JobAcctGatherType=jobacct_gather/none",
        "JobCompType=jobcomp/none",
        "MpiDefault=none",
        "ReturnToService=2",
        // A cancelled task gets SIGKILL 5 s after SIGTERM, not 30 s.
        "KillWait=5",
        `NodeName=localhost NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${memoryMb} State=UNKNOWN`,
        "PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP",
        "",
      ].join("\n"),
    );
    const controllerStart = await run("slurmctld", ["-f", conf], env);
    if (controllerStart.code !== 0) throw new Error(`slurmctld: ${controllerStart.stderr.trim()}`);
    pids.push({ name: "slurmctld", pid: await readPid(at("slurmctld.pid"), "slurmctld") });
    const nodeStart = await run("slurmd", ["-f", conf, "-N", "localhost"], env);
    if (nodeStart.code !== 0) throw new Error(`slurmd: ${nodeStart.stderr.trim()}`);
    pids.push({ name: "slurmd", pid: await readPid(at("slurmd.pid"), "slurmd") });

    let state = "";
    for (let attempt = 0; attempt < 300 && state !== "idle"; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      const info = await run("sinfo", ["-h", "-N", "-o", "%t"], env);
      state = info.stdout.trim();
    }
    if (state !== "idle") {
      throw new Error(`slurm test cluster: node is ${JSON.stringify(state)}, not idle`);
    }
    return { dir, conf, env, startupMs: performance.now() - begin, stop, logs };
  } catch (error) {
    const tails = await logs();
    await stop();
    throw new Error(`${(error as Error).message}\n${tails}`);
  }
}

/**
 * Runs `body` with a fresh cluster and stops the cluster afterwards, whatever happens.
 *
 * @example
 * ```ts
 * await withSlurmCluster(async (cluster) => {
 *   await new Deno.Command("sbatch", { args: ["--wrap", "true"], env: cluster.env }).output();
 * });
 * ```
 */
export async function withSlurmCluster<T>(body: (cluster: SlurmCluster) => Promise<T>): Promise<T> {
  const cluster = await startSlurmCluster();
  try {
    return await body(cluster);
  } catch (error) {
    console.error(`slurm test cluster logs:\n${await cluster.logs()}`);
    throw error;
  } finally {
    await cluster.stop();
  }
}

/**
 * Stops the cluster whose folder is `dir` (as started from the command line): its jobs,
 * its daemons by the PIDs in their pid files, its folder. Refuses a folder that holds no
 * cluster of this module.
 *
 * @example
 * ```ts
 * await stopSlurmClusterAt("/tmp/nnlab-slurm-abc123");
 * ```
 */
export async function stopSlurmClusterAt(dir: string): Promise<void> {
  const conf = await Deno.readTextFile(join(dir, "slurm.conf")).catch(() => "");
  if (!conf.includes(`ClusterName=${CLUSTER_NAME}\n`)) {
    throw new Error(`${dir}: holds no slurm.conf of a cluster started by tests/slurm_cluster.ts`);
  }
  const daemons: Daemon[] = [];
  for (const name of ["munged", "slurmctld", "slurmd"] as const) {
    const pid = Number((await Deno.readTextFile(join(dir, `${name}.pid`)).catch(() => "")).trim());
    if (pid > 0) daemons.push({ name, pid });
  }
  await shutDown(dir, daemons);
}

if (import.meta.main) {
  const [command, dir, ...rest] = Deno.args;
  const usage = "usage: slurm_cluster.ts start | stop <folder printed by start>";
  if (command === "start" && dir === undefined) {
    const cluster = await startSlurmCluster().catch((error) => {
      console.error(`error: ${(error as Error).message}`);
      Deno.exit(1);
    });
    console.error(
      `slurm: a single-node cluster is idle after ${Math.round(cluster.startupMs)} ms ` +
        `(folder ${cluster.dir}); stop it with: deno run -A tests/slurm_cluster.ts stop ${cluster.dir}`,
    );
    console.log(`export SLURM_CONF=${cluster.conf} NNLAB_SLURM_DIR=${cluster.dir}`);
    Deno.exit(0); // the daemons run on; the stop command ends them
  } else if (command === "stop" && dir !== undefined && rest.length === 0) {
    await stopSlurmClusterAt(dir);
    console.error(`slurm: the cluster in ${dir} is stopped and its folder removed`);
  } else {
    console.error(`${command ?? "no command"}: ${usage}`);
    Deno.exit(64);
  }
}
