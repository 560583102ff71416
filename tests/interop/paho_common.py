"""Helpers shared by the paho-mqtt interop scenarios (run by tst_interop_paho under /usr/bin/python3).

Each scenario prints one line per observation to stdout (flushed), exits 0 on success and
1 with a message on stderr otherwise. Every wait is bounded.
"""
import sys
import threading
import time

import paho.mqtt.client as mqtt

TIMEOUT = 10.0


def fail(message):
    print(message, file=sys.stderr, flush=True)
    sys.exit(1)


def say(*parts):
    print(*parts, flush=True)


def make_client(client_id, version, clean=True):
    """A paho client for protocol "311" or "5" (clean = clean session / clean start)."""
    if version == "5":
        c = mqtt.Client(client_id=client_id, protocol=mqtt.MQTTv5)
    else:
        c = mqtt.Client(client_id=client_id, clean_session=clean, protocol=mqtt.MQTTv311)
    c.connected = threading.Event()
    c.subscribed = threading.Event()
    c.connack = None
    c.messages = []
    c.message_arrived = threading.Condition()

    def on_connect(client, userdata, flags, rc, properties=None):
        client.connack = (flags, rc)
        client.connected.set()

    def on_subscribe(client, userdata, mid, granted, properties=None):
        client.granted = granted
        client.subscribed.set()

    def on_message(client, userdata, msg):
        with client.message_arrived:
            client.messages.append(msg)
            client.message_arrived.notify_all()

    c.on_connect = on_connect
    c.on_subscribe = on_subscribe
    c.on_message = on_message
    return c


def connect(c, port, version, clean=True, session_expiry=None, keepalive=30):
    kwargs = {}
    if version == "5":
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties
        kwargs["clean_start"] = clean
        if session_expiry is not None:
            props = Properties(PacketTypes.CONNECT)
            props.SessionExpiryInterval = session_expiry
            kwargs["properties"] = props
    c.connect("127.0.0.1", port, keepalive=keepalive, **kwargs)
    c.loop_start()
    if not c.connected.wait(TIMEOUT):
        fail("no CONNACK")
    flags, rc = c.connack
    if (rc.value if hasattr(rc, "value") else rc) != 0:
        fail("connection refused: %s" % rc)
    return flags


def subscribe(c, topic, qos):
    c.subscribed.clear()
    c.subscribe(topic, qos)
    if not c.subscribed.wait(TIMEOUT):
        fail("no SUBACK")


def wait_messages(c, count, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    with c.message_arrived:
        while len(c.messages) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                fail("received %d of %d messages" % (len(c.messages), count))
            c.message_arrived.wait(left)
    return c.messages[:count]
