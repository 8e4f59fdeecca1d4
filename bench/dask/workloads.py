#!/usr/bin/python3
"""The Dask distributed twin of flotilla's bench workloads (bench/workloads/*.ts).

Runs ONE workload on LocalCluster(n_workers=2, threads_per_worker=1) and prints one JSON object on
stdout in the shape flotilla's bench uses for its own figures:

    {"status": "ok" | "error" | "timeout", "metrics": {...}, "samples": [...], "sampleUnit": "...",
     "detail": {...}, "note": "...", "error": "...", "elapsedSeconds": 1.2}

Progress lines go to stderr, prefixed with "# ". Every loop is bounded by a count and a time budget;
a hard time limit (SIGALRM) abandons a hung workload, and every cluster is closed in a `finally`.
Run it with Debian's interpreter (/usr/bin/python3), which sees python3-distributed.

    /usr/bin/python3 bench/dask/workloads.py --workload noopMap --tasks 10000 \
        --max-repetitions 5 --min-repetitions 1 --budget-seconds 40 --time-limit-seconds 120
"""
import argparse
import json
import math
import signal
import statistics
import sys
import time

WORKLOADS = ("noopMap", "noopMapTuned", "ladder", "roundTrip", "clusterStart", "run")

# Same modulus as bench/workloads/ladder.ts, so both sides compute the same small numbers
# (a plain Fibonacci ladder of 10,000 steps would be a 2,000-digit integer in Python).
LADDER_MODULUS = 1_000_003


class WorkloadTimeout(Exception):
    """Raised by the SIGALRM handler when a workload passes its hard time limit."""


def progress(message):
    print(f"# {message}", file=sys.stderr, flush=True)


def quantile(values, q):
    """Nearest-rank quantile, as bench/stats.ts computes it."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = math.ceil(q * len(ordered)) - 1
    return ordered[min(len(ordered) - 1, max(0, rank))]


class RepetitionGate:
    """Go on while below max_repetitions, and below min_repetitions or inside the budget."""

    def __init__(self, args):
        self.args = args
        self.start = time.perf_counter()

    def may_repeat(self, done):
        if done >= self.args.max_repetitions:
            return False
        if done < self.args.min_repetitions:
            return True
        return time.perf_counter() - self.start < self.args.budget_seconds


# Task functions live at module level so that Dask ships them by reference to __main__ (cloudpickle
# sends the code by value): the same cost as flotilla shipping a function's source once.
def noop(x):
    return x


def add_mod(a, b):
    return (a + b) % LADDER_MODULUS


def inc(x):
    return x + 1


def one():
    return 1


def open_cluster():
    """A LocalCluster with 2 single-thread worker processes and no dashboard, plus a Client on it."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    try:
        client = Client(cluster)
    except BaseException:
        cluster.close(timeout=20)
        raise
    try:
        client.wait_for_workers(2, timeout=60)
    except BaseException:
        close_cluster(cluster, client)
        raise
    return cluster, client


def close_cluster(cluster, client):
    """Closes client and cluster with their own timeouts; never raises (the bench must go on).

    The hard-limit alarm is paused meanwhile, so that it cannot interrupt a close half-way.
    """
    remaining, _ = signal.setitimer(signal.ITIMER_REAL, 0)
    try:
        try:
            client.close(timeout=10)
        except Exception as error:  # noqa: BLE001 - report and keep closing
            progress(f"client.close failed: {error!r}")
        try:
            cluster.close(timeout=20)
        except Exception as error:  # noqa: BLE001
            progress(f"cluster.close failed: {error!r}")
    finally:
        if remaining > 0:
            signal.setitimer(signal.ITIMER_REAL, remaining)


def with_cluster(measure):
    def run(args):
        cluster, client = open_cluster()
        try:
            return measure(client, args)
        finally:
            close_cluster(cluster, client)

    return run


def map_once(client, items):
    """Maps noop over items, checks the results, releases the futures; returns the seconds taken."""
    start = time.perf_counter()
    futures = client.map(noop, items)
    results = client.gather(futures)
    seconds = time.perf_counter() - start
    if results != items:
        raise AssertionError("gather returned wrong values")
    del futures
    return seconds


def measure_noop_map(client, args):
    # One untimed warm-up map, as on the flotilla side.
    if args.warmup > 0:
        map_once(client, [-1 - i for i in range(args.warmup)])
        wait_until_idle(client)
    gate = RepetitionGate(args)
    rates = []
    rep = 0
    while gate.may_repeat(rep):
        # Distinct inputs per repetition, so no key is shared with the previous repetition.
        items = list(range(rep * args.tasks, (rep + 1) * args.tasks))
        rates.append(args.tasks / map_once(client, items))
        progress(f"noop map repetition {rep + 1}: {rates[-1]:,.0f} tasks/s")
        # Wait until the scheduler forgot the released tasks before the next repetition.
        wait_until_idle(client)
        rep += 1
    return throughput_result(rates, args)


def throughput_result(rates, args):
    """The result of a tasks-per-second workload: the median of its repetitions, and each of them."""
    return {
        "metrics": {"tasksPerSecond": statistics.median(rates)},
        "samples": rates,
        "sampleUnit": "tasks/s",
        "detail": {"tasks": args.tasks, "warmupTasks": args.warmup, "repetitions": len(rates)},
    }


def wait_until_idle(client, limit_seconds=10.0):
    """Waits (bounded) until the scheduler holds no task, so a repetition starts from a clean state."""
    deadline = time.perf_counter() + limit_seconds
    while time.perf_counter() < deadline:
        if client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)) == 0:
            return
        time.sleep(0.02)
    progress("the scheduler still holds tasks after releasing them; going on")


def measure_noop_map_tuned(client, args):
    return measure_noop_map(client, args)


def expected_ladder_top(first, second, tasks):
    previous, current = first, second
    for _ in range(tasks - 2):
        previous, current = current, (previous + current) % LADDER_MODULUS
    return current


def ladder_once(client, first, second, tasks):
    """Runs one ladder, checks its top value, releases the futures; returns the seconds taken."""
    expected = expected_ladder_top(first, second, tasks)
    start = time.perf_counter()
    futures = [client.submit(noop, first), client.submit(noop, second)]
    for i in range(2, tasks):
        futures.append(client.submit(add_mod, futures[i - 2], futures[i - 1]))
    value = futures[-1].result()
    seconds = time.perf_counter() - start
    if value != expected:
        raise AssertionError(f"the ladder from {first}, {second} ended with {value}, expected {expected}")
    del futures
    return seconds


def measure_ladder(client, args):
    if args.warmup >= 2:
        ladder_once(client, 1000, 1001, args.warmup)
        wait_until_idle(client)
    gate = RepetitionGate(args)
    rates = []
    rep = 0
    while gate.may_repeat(rep):
        rates.append(args.tasks / ladder_once(client, rep + 1, rep + 2, args.tasks))
        progress(f"ladder repetition {rep + 1}: {rates[-1]:,.0f} tasks/s")
        wait_until_idle(client)
        rep += 1
    return throughput_result(rates, args)


def measure_round_trip(client, args):
    for i in range(args.warmup):
        client.submit(inc, -1 - i).result()
    gate = RepetitionGate(args)
    latencies = []
    while gate.may_repeat(len(latencies)):
        i = len(latencies)
        start = time.perf_counter()
        value = client.submit(inc, i).result()
        latencies.append((time.perf_counter() - start) * 1000)
        if value != i + 1:
            raise AssertionError(f"call {i}: inc({i}) returned {value}")
    return {
        "metrics": {"medianMs": statistics.median(latencies), "p99Ms": quantile(latencies, 0.99)},
        "samples": latencies,
        "sampleUnit": "ms",
        "detail": {"calls": len(latencies), "warmup": args.warmup},
    }


def measure_run(client, args):
    for _ in range(args.warmup):
        client.run(one)
    gate = RepetitionGate(args)
    latencies = []
    while gate.may_repeat(len(latencies)):
        start = time.perf_counter()
        answers = client.run(one)
        latencies.append((time.perf_counter() - start) * 1000)
        if len(answers) != 2 or any(v != 1 for v in answers.values()):
            raise AssertionError(f"client.run returned {answers!r}, expected 1 from each of 2 workers")
    return {
        "metrics": {"medianMs": statistics.median(latencies), "p99Ms": quantile(latencies, 0.99)},
        "samples": latencies,
        "sampleUnit": "ms",
        "detail": {"calls": len(latencies), "warmup": args.warmup},
    }


def measure_cluster_start(args):
    gate = RepetitionGate(args)
    starts, closes = [], []
    while gate.may_repeat(len(starts)):
        start = time.perf_counter()
        cluster, client = open_cluster()
        starts.append(time.perf_counter() - start)
        closing = time.perf_counter()
        close_cluster(cluster, client)
        closes.append(time.perf_counter() - closing)
        progress(f"cluster start {len(starts)}: {starts[-1]:.3f} s")
    return {
        "metrics": {"medianSeconds": statistics.median(starts)},
        "samples": starts,
        "sampleUnit": "s",
        "detail": {"closeMedianSeconds": statistics.median(closes), "samples": len(starts)},
    }


MEASURES = {
    "noopMap": with_cluster(measure_noop_map),
    "noopMapTuned": with_cluster(measure_noop_map_tuned),
    "ladder": with_cluster(measure_ladder),
    "roundTrip": with_cluster(measure_round_trip),
    "run": with_cluster(measure_run),
    "clusterStart": measure_cluster_start,
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workload", required=True, choices=WORKLOADS)
    parser.add_argument("--tasks", type=int, default=10_000, help="tasks per repetition (noopMap, ladder)")
    parser.add_argument("--warmup", type=int, default=0, help="untimed calls first (roundTrip, run), or tasks of one untimed repetition (noopMap, ladder)")
    parser.add_argument("--max-repetitions", type=int, required=True)
    parser.add_argument("--min-repetitions", type=int, default=1)
    parser.add_argument("--budget-seconds", type=float, required=True)
    parser.add_argument("--time-limit-seconds", type=float, required=True)
    args = parser.parse_args()
    if args.max_repetitions < 1 or args.min_repetitions < 1 or args.min_repetitions > args.max_repetitions:
        parser.error(f"need 1 <= --min-repetitions <= --max-repetitions, got {args.min_repetitions} and {args.max_repetitions}")
    if args.workload in ("noopMap", "noopMapTuned", "ladder") and args.tasks < 2:
        parser.error(f"--tasks must be at least 2 for {args.workload}, got {args.tasks}")
    return args


def on_alarm(signum, frame):
    raise WorkloadTimeout()


def on_terminate(signum, frame):
    # SystemExit unwinds through the `finally` blocks, which close the clusters.
    raise SystemExit(f"stopped by signal {signum}")


def main():
    args = parse_args()
    signal.signal(signal.SIGTERM, on_terminate)
    signal.signal(signal.SIGALRM, on_alarm)
    import dask
    import distributed

    started = time.perf_counter()
    result = {"status": "ok", "metrics": {}, "samples": [], "sampleUnit": ""}
    config = {}
    if args.workload == "noopMapTuned":
        # Dask's best setting for many small tasks (see shared/docs/performance.md).
        config["distributed.scheduler.worker-saturation"] = math.inf
    signal.setitimer(signal.ITIMER_REAL, args.time_limit_seconds)
    try:
        with dask.config.set(config):
            result.update(MEASURES[args.workload](args))
    except WorkloadTimeout:
        result["status"] = "timeout"
        result["error"] = f"{args.workload} did not finish within {args.time_limit_seconds:.1f} s"
    except Exception as error:  # noqa: BLE001 - reported in the JSON, the bench goes on
        result["status"] = "error"
        result["error"] = f"{type(error).__name__}: {error}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    result["elapsedSeconds"] = time.perf_counter() - started
    result["detail"] = {**result.get("detail", {}), "distributedVersion": distributed.__version__, "config": {k: str(v) for k, v in config.items()}}
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
