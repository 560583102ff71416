"""paho connects with a will (QoS 1) and waits to be killed; the test kills the process so
the broker sees the connection drop without DISCONNECT.
Usage: paho_will.py PORT VERSION(311|5) WILL_TOPIC"""
import sys
import time

from paho_common import connect, make_client, say

port, version, topic = int(sys.argv[1]), sys.argv[2], sys.argv[3]
c = make_client("paho-will-%d" % time.monotonic_ns(), version)
c.will_set(topic, b"paho-gone", qos=1, retain=False)
connect(c, port, version)
say("connected")
time.sleep(30)  # killed long before
