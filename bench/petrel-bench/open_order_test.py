#!/usr/bin/python3
"""ctest for petrel-bench's connection order: with several loops (--threads) the connections
reach the listener in the order petrel-bench added them, as with one loop: subscriber i, then
publisher i (--open-order interleaved, the default), or every publisher, then every subscriber
(--open-order grouped). A broker that deals connections out to its workers in turn then places
them alike for any --threads (bench/scripts/scaling.sh relies on it).

A plain TCP listener stands in for the broker: it accepts, reads each CONNECT's client id in
accept order, and closes everything once all have arrived, which ends petrel-bench's run.

usage: open_order_test.py PETREL_BENCH
"""
import socket
import subprocess
import sys
import time

PAIRS = 8
THREADS = 3


def read_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("connection closed inside a CONNECT")
        data += chunk
    return data


def client_id(sock):
    """The client id of the CONNECT that opens `sock` (MQTT 3.1.1 or 5)."""
    if read_exact(sock, 1)[0] != 0x10:
        raise ValueError("first packet is not CONNECT")
    length, shift = 0, 0
    while True:
        b = read_exact(sock, 1)[0]
        length |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            break
    body = read_exact(sock, length)
    pos = 2 + int.from_bytes(body[0:2], "big")  # protocol name
    level = body[pos]
    pos += 4  # level, flags, keep alive
    if level == 5:
        plen, shift = 0, 0
        while True:
            b = body[pos]
            pos += 1
            plen |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        pos += plen
    n = int.from_bytes(body[pos:pos + 2], "big")
    return body[pos + 2:pos + 2 + n].decode()


def accepted_ids(bench, order):
    """The client ids' last parts ("s3", "p3") in the order a listener accepted them."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    listener.settimeout(10)
    port = listener.getsockname()[1]
    proc = subprocess.Popen([bench, "pairs", "--pairs", str(PAIRS), "--threads", str(THREADS), "--port",
                             str(port), "--open-order", order, "--seconds", "0.2", "--warmup", "0",
                             "--stall-timeout", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    conns, ids = [], []
    try:
        for _ in range(2 * PAIRS):
            s, _ = listener.accept()
            s.settimeout(10)
            conns.append(s)
            ids.append(client_id(s).rsplit("-", 1)[-1])
    finally:
        for s in conns:
            s.close()
        listener.close()
        deadline = time.time() + 20
        while proc.poll() is None and time.time() < deadline:
            time.sleep(0.05)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return ids


def main():
    bench = sys.argv[1]
    expected = {
        "interleaved": [f"{kind}{i}" for i in range(PAIRS) for kind in ("s", "p")],
        "grouped": [f"p{i}" for i in range(PAIRS)] + [f"s{i}" for i in range(PAIRS)],
    }
    for order, want in expected.items():
        ids = accepted_ids(bench, order)
        if ids != want:
            print(f"--open-order {order}: accepted in the order {ids}, expected {want}")
            return 1
        print(f"--open-order {order}: {2 * PAIRS} connections from {THREADS} loops accepted in order: "
              f"{' '.join(ids)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
