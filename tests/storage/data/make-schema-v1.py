#!/usr/bin/python3
# Makes schema-v1.db: a database as the first Petrel storage schema (version 1) wrote it,
# with one session (subscription, two queued QoS 1 messages, an inbound QoS 2 id) and one
# retained message. tst_storage_hook migrates a copy of it. Messages are v5 PUBLISH packets.
import sqlite3, os


def pub(topic, payload, qos, retain=False):
    body = len(topic).to_bytes(2, 'big') + topic
    if qos:
        body += (1).to_bytes(2, 'big')
    body += b'\x00' + payload
    assert len(body) < 128
    return bytes([0x30 | (qos << 1) | (1 if retain else 0), len(body)]) + body


if os.path.exists('schema-v1.db'):
    os.remove('schema-v1.db')
db = sqlite3.connect('schema-v1.db')
c = db.cursor()
for s in [
    "CREATE TABLE schema_version (version INTEGER NOT NULL)",
    "CREATE TABLE clients (client_id BLOB PRIMARY KEY, username BLOB, protocol INTEGER NOT NULL, expiry INTEGER "
    "NOT NULL, disconnected_at INTEGER NOT NULL, will_publish BLOB, will_delay INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE subscriptions (client_id BLOB NOT NULL, filter BLOB NOT NULL, qos INTEGER NOT NULL, no_local "
    "INTEGER NOT NULL, retain_as_published INTEGER NOT NULL, retain_handling INTEGER NOT NULL, PRIMARY KEY "
    "(client_id, filter))",
    "CREATE TABLE messages (client_id BLOB NOT NULL, seq INTEGER NOT NULL, packet_id INTEGER NOT NULL, "
    "awaiting_pubcomp INTEGER NOT NULL, qos INTEGER NOT NULL, retain_flag INTEGER NOT NULL, subscription_ids TEXT "
    "NOT NULL, publish BLOB NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (client_id, seq))",
    "CREATE TABLE inbound_qos2 (client_id BLOB NOT NULL, packet_id INTEGER NOT NULL, PRIMARY KEY (client_id, "
    "packet_id))",
    "CREATE TABLE retained (topic BLOB PRIMARY KEY, publish BLOB NOT NULL, created_at INTEGER NOT NULL)",
]:
    c.execute(s)
c.execute("INSERT INTO schema_version VALUES (1)")
t = 1767225600000  # 2026-01-01
c.execute("INSERT INTO clients VALUES (?,?,?,?,?,?,?)", (b'old-client', b'', 5, 4294967295, t, b'', 0))
c.execute("INSERT INTO subscriptions VALUES (?,?,?,?,?,?)", (b'old-client', b'old/#', 1, 0, 0, 0))
c.execute("INSERT INTO messages VALUES (?,?,?,?,?,?,?,?,?)",
          (b'old-client', 1, 0, 0, 1, 0, '', pub(b'old/1', b'from v1', 1), t))
c.execute("INSERT INTO messages VALUES (?,?,?,?,?,?,?,?,?)",
          (b'old-client', 2, 0, 0, 1, 0, '', pub(b'old/2', b'also from v1', 1), t))
c.execute("INSERT INTO inbound_qos2 VALUES (?,?)", (b'old-client', 42))
c.execute("INSERT INTO retained VALUES (?,?,?)", (b'old/r', pub(b'old/r', b'kept v1', 0, True), t))
db.commit()
db.close()
