#!/usr/bin/python3
"""Soak: a mixed load against a real petrel-server for a bounded time.

    soak.py PETREL_SERVER SECONDS [--json FILE]

Starts petrel-server on a free loopback port (allow-all, no persistence) and runs, at once:
  - two publishers sending numbered QoS 0, 1 and 2 messages to soak/q/<publisher>/<qos>;
  - three healthy persistent subscribers on soak/q/# (QoS 2), which must receive every QoS 1
    and QoS 2 message the broker acknowledged, and no QoS 2 message twice;
  - a shared subscription group of two members on $share/g/soak/s/#, which together must
    receive every acknowledged QoS 1 message;
  - connection churn: clients with wills connecting and vanishing (abnormal close), watched
    by a will subscriber that must see every will;
  - retained messages rewritten on soak/r/<n>; a fresh subscriber must find all of them;
  - one stalled consumer (raw socket, subscribes to everything, never reads).
Samples the broker's RSS every second. Exits 1 on any loss, duplicate, broker crash, or RSS
that keeps growing after warm-up (last sample above 1.5x the first after warm-up + 8 MiB).
Prints one JSON line with the counts (and writes it to FILE with --json).
"""
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time

import paho.mqtt.client as mqtt

SERVER = sys.argv[1]
SECONDS = float(sys.argv[2])
JSON_OUT = sys.argv[sys.argv.index("--json") + 1] if "--json" in sys.argv else None
HOST = "127.0.0.1"


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


PORT = free_port()
broker = subprocess.Popen([SERVER, "--tcp", f"{HOST}:{PORT}", "--allow-all", "--log-level", "error"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
deadline = time.time() + 10
while time.time() < deadline:
    try:
        socket.create_connection((HOST, PORT), timeout=0.2).close()
        break
    except OSError:
        time.sleep(0.05)
else:
    print("soak: petrel-server did not start", file=sys.stderr)
    broker.kill()
    sys.exit(1)

lock = threading.Lock()
stop = threading.Event()
failures = []


def client(cid, clean=True):
    c = mqtt.Client(client_id=cid, clean_session=clean, protocol=mqtt.MQTTv311)
    c.max_inflight_messages_set(100)
    c.max_queued_messages_set(0)
    return c


def connect(c):
    c.connect(HOST, PORT, keepalive=30)
    c.loop_start()


# ---- healthy subscribers: every acknowledged QoS 1/2 message, no QoS 2 twice
acked = {1: set(), 2: set()}         # (publisher, seq) acknowledged by the broker
got = [dict() for _ in range(3)]     # per subscriber: (qos, publisher, seq) -> count
subs = []
for i in range(3):
    def on_message(_c, _u, m, i=i):
        _, _, pub, qos = m.topic.split("/")
        key = (int(qos), pub, int(m.payload))
        with lock:
            got[i][key] = got[i].get(key, 0) + 1
    s = client(f"soak-sub-{i}", clean=False)
    s.on_message = on_message
    connect(s)
    s.subscribe("soak/q/#", 2)
    subs.append(s)

# ---- shared group
shared_got = set()
shared_acked = set()
shared = []
for i in range(2):
    def on_shared(_c, _u, m):
        with lock:
            shared_got.add(int(m.payload))
    s = client(f"soak-shared-{i}")
    s.on_message = on_shared
    connect(s)
    s.subscribe("$share/g/soak/s/#", 1)
    shared.append(s)

# ---- will watcher
wills_sent = 0
wills_got = set()
watcher = client("soak-wills")
watcher.on_message = lambda _c, _u, m: wills_got.add(m.payload.decode())
connect(watcher)
watcher.subscribe("soak/will/#", 1)

# ---- the stalled consumer: subscribes to everything, never reads
stalled = socket.create_connection((HOST, PORT))
stalled.sendall(bytes.fromhex("100f00044d5154540402003c0003736c77")  # CONNECT "slw"
                + bytes.fromhex("8206000100012301"))                     # SUBSCRIBE "#" QoS 1
time.sleep(1)  # let every subscription settle


def publisher(name):
    p = client(f"soak-pub-{name}")
    connect(p)
    seq = 0
    while not stop.is_set():
        seq += 1
        for qos in (0, 1, 2):
            info = p.publish(f"soak/q/{name}/{qos}", str(seq), qos=qos)
            if qos:
                info.wait_for_publish(10)
                if info.is_published():
                    with lock:
                        acked[qos].add((name, seq))
        tag = int(f"{ord(name)}{seq:09d}")
        info = p.publish("soak/s/x", str(tag), qos=1)
        info.wait_for_publish(10)
        if info.is_published():
            with lock:
                shared_acked.add(tag)
        time.sleep(0.002)
    p.disconnect()
    p.loop_stop()


def churn():
    global wills_sent
    n = 0
    while not stop.is_set():
        n += 1
        c = client(f"soak-churn-{n % 50}")
        c.will_set(f"soak/will/{n}", str(n), qos=1)
        try:
            c.connect(HOST, PORT, keepalive=30)
            c.loop(0.05)
            c.socket().close()  # vanish: the will must go out
            with lock:
                wills_sent += 1
            wills_expected.add(str(n))
        except OSError as e:
            failures.append(f"churn connect failed: {e}")
        time.sleep(0.05)


wills_expected = set()


def retained():
    r = client("soak-retainer")
    connect(r)
    n = 0
    while not stop.is_set():
        n += 1
        r.publish(f"soak/r/{n % 20}", str(n), qos=1, retain=True).wait_for_publish(10)
        time.sleep(0.01)
    r.disconnect()
    r.loop_stop()


threads = [threading.Thread(target=publisher, args=(n,)) for n in ("a", "b")]
threads += [threading.Thread(target=churn), threading.Thread(target=retained)]
for t in threads:
    t.start()

samples = []
start = time.time()
while time.time() - start < SECONDS:
    if broker.poll() is not None:
        failures.append(f"petrel-server exited with {broker.returncode}")
        break
    samples.append(rss_kib(broker.pid))
    time.sleep(1)
stop.set()
for t in threads:
    t.join(30)
time.sleep(2)  # let in-flight messages land

# a fresh subscriber finds all 20 retained topics
found = set()
fresh = client("soak-fresh")
fresh.on_message = lambda _c, _u, m: found.add(m.topic)
connect(fresh)
fresh.subscribe("soak/r/#", 1)
time.sleep(1)

with lock:
    lost = {}
    dup2 = 0
    for i in range(3):
        for qos in (1, 2):
            missing = [k for k in acked[qos] if (qos, k[0], k[1]) not in got[i]]
            lost[f"sub{i}-q{qos}"] = len(missing)
        dup2 += sum(1 for k, n in got[i].items() if k[0] == 2 and n > 1)
    shared_lost = len(shared_acked - shared_got)
    wills_missing = len(wills_expected - wills_got)
warm = samples[min(5, len(samples) - 1)] if samples else 0
summary = {
    "seconds": SECONDS,
    "acked_q1": len(acked[1]), "acked_q2": len(acked[2]),
    "lost": lost, "duplicates_q2": dup2,
    "shared_acked": len(shared_acked), "shared_lost": shared_lost,
    "wills_sent": wills_sent, "wills_missing": wills_missing,
    "retained_found": len(found),
    "rss_kib_after_warmup": warm, "rss_kib_end": samples[-1] if samples else 0,
    # RSS over time: the maximum of each twentieth of the run, and of the first and second
    # half after warm-up (flat = the second half's maximum no higher than the first's + slack).
    "rss_kib_series": [max(samples[i * len(samples) // 20:(i + 1) * len(samples) // 20] or [0])
                       for i in range(20)] if len(samples) >= 20 else samples,
    "rss_kib_max_first_half": max(samples[5:5 + (len(samples) - 5) // 2] or [0]),
    "rss_kib_max_second_half": max(samples[5 + (len(samples) - 5) // 2:] or [0]),
    "failures": failures,
}
ok = (not failures and all(v == 0 for v in lost.values()) and dup2 == 0 and shared_lost == 0
      and wills_missing == 0 and len(found) == 20 and summary["acked_q1"] > 0
      and summary["rss_kib_end"] <= warm * 1.5 + 8192)
summary["ok"] = ok
line = json.dumps(summary)
print(line)
if JSON_OUT:
    with open(JSON_OUT, "a") as f:
        f.write(line + "\n")

stalled.close()
for c in subs + shared + [watcher, fresh]:
    c.loop_stop()
broker.terminate()
try:
    code = broker.wait(10)
except subprocess.TimeoutExpired:
    broker.kill()
    code = -9
if code != 0:
    print(f"soak: petrel-server exit code {code}: {broker.stderr.read().decode()[-2000:]}", file=sys.stderr)
    ok = False
sys.exit(0 if ok else 1)
