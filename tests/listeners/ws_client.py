#!/usr/bin/python3
"""MQTT over WebSocket (or WSS) round trip with paho-mqtt, for tests/listeners.

Connects, subscribes to --topic at QoS 1, publishes --payload at QoS 1 and waits for the
message to come back. Prints "OK <payload>" and exits 0 on success, prints the reason and
exits 1 otherwise. Every wait is bounded by --timeout seconds.
"""
import argparse
import ssl
import sys
import threading

import paho.mqtt.client as mqtt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--path", default="/")
    ap.add_argument("--cafile")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--topic", default="petrel/ws/test")
    ap.add_argument("--payload", default="hello over websocket")
    ap.add_argument("--version", choices=["3.1.1", "5"], default="3.1.1")
    ap.add_argument("--timeout", type=float, default=10.0)
    args = ap.parse_args()

    protocol = mqtt.MQTTv5 if args.version == "5" else mqtt.MQTTv311
    client = mqtt.Client(client_id="petrel-ws-test", transport="websockets", protocol=protocol)
    client.ws_set_options(path=args.path)
    if args.cafile:
        client.tls_set(ca_certs=args.cafile, certfile=args.cert, keyfile=args.key,
                       cert_reqs=ssl.CERT_REQUIRED)

    connected = threading.Event()
    subscribed = threading.Event()
    received = threading.Event()
    state = {"rc": None, "payload": None}

    def on_connect(c, userdata, flags, rc, properties=None):
        state["rc"] = rc
        connected.set()

    def on_subscribe(c, userdata, mid, granted, properties=None):
        subscribed.set()

    def on_message(c, userdata, msg):
        if msg.topic == args.topic:
            state["payload"] = msg.payload
            received.set()

    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_message = on_message
    try:
        client.connect(args.host, args.port, keepalive=30)
    except Exception as e:  # noqa: BLE001 - any failure is the answer
        print("connect failed:", repr(e))
        return 1
    client.loop_start()
    try:
        if not connected.wait(args.timeout):
            print("no CONNACK")
            return 1
        if state["rc"] != 0:
            print("CONNACK refused:", state["rc"])
            return 1
        client.subscribe(args.topic, qos=1)
        if not subscribed.wait(args.timeout):
            print("no SUBACK")
            return 1
        client.publish(args.topic, args.payload.encode(), qos=1)
        if not received.wait(args.timeout):
            print("message did not come back")
            return 1
        print("OK", state["payload"].decode())
        client.disconnect()
        return 0
    finally:
        client.loop_stop()


if __name__ == "__main__":
    sys.exit(main())
