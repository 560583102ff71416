// DebugHook: logs packets in and out and client events, one line each, through the
// QLoggingCategory "petrel.debug" (Mochi MQTT's hooks/debug, in C++).
//
// Settings (hooks.debug in a config file, or the QVariantMap given to init):
//   enable            false: the hook provides no event at all (costs nothing).
//                     Absent counts as true, so adding the hook from code turns it on.
//   show_packet_data  add every field of each packet: flags, properties, full payloads.
//   show_pings        log PINGREQ/PINGRESP too (hidden by default, as Mochi).
//   show_passwords    log CONNECT passwords and authentication data (hidden by default;
//                     the line says password=<hidden N bytes> instead).
//   level (Petrel)    "debug" (default) or "info": the message type the lines are logged
//                     with, so they can be seen without enabling every debug category.
// The category is the second switch: QT_LOGGING_RULES="petrel.debug.debug=false" silences
// the hook's debug lines without removing it.
//
// Lines (the packet type and direction first, as Mochi: "<<" read from the client, ">>" sent):
//   CONNECT << c1 id="c1" clean=true keepalive=30 version=5 username="u" password=<hidden 6 bytes>
//   PUBLISH >> c2 topic="a/b" qos=1 id=7 payload="hello"
//   SUBACK >> c2 id=3 reasons=[0x00,0x87]
//   client disconnected client="c1" remote="127.0.0.1:5000" reason=0x00 expire=false
// Events logged (Mochi's set, plus OnDisconnect, which Mochi's hook does not log):
// OnStarted, OnStopped, OnPacketRead, OnPacketSent, OnRetainMessage, OnQosPublish,
// OnQosComplete, OnQosDropped, OnWillSent, OnRetainedExpired, OnClientExpired, OnDisconnect.
// Payloads are escaped (\n, \xNN) so every event stays on one line, and cut at 256 bytes
// unless show_packet_data is set.
//
// Threads: the settings are fixed by init; events are logged from any worker thread.
#pragma once

#include "hook.h"

#include <QLoggingCategory>

namespace petrel {

Q_DECLARE_LOGGING_CATEGORY(lcDebugHook)

struct DebugHookOptions {
    bool enable = true;
    bool showPacketData = false;
    bool showPings = false;
    bool showPasswords = false;
    QtMsgType level = QtDebugMsg; // QtDebugMsg or QtInfoMsg
};

class DebugHook : public Hook {
public:
    DebugHook() = default;
    explicit DebugHook(const DebugHookOptions &options) : m_options(options) {}

    QString id() const override { return QStringLiteral("debug"); }
    HookMask provides() const override;
    bool init(const QVariantMap &config, QString *error) override;
    const DebugHookOptions &options() const { return m_options; }

    void onStarted() override;
    void onStopped() override;
    packets::Error onPacketRead(const ClientInfo &client, packets::Packet &packet) override;
    void onPacketSent(const ClientInfo &client, const packets::Packet &packet,
                      const QByteArray &bytes) override;
    void onDisconnect(const ClientInfo &client, packets::ReasonCode reason, bool expire) override;
    void onRetainMessage(const ClientInfo &client, const packets::Publish &publish, int change) override;
    void onQosPublish(const ClientInfo &client, const packets::Publish &publish, qint64 sentAtMs,
                      int resends) override;
    void onQosComplete(const ClientInfo &client, const packets::Publish &publish) override;
    void onQosDropped(const ClientInfo &client, const packets::Publish &publish) override;
    void onWillSent(const ClientInfo &client, const packets::Publish &publish) override;
    void onClientExpired(const QByteArray &clientId) override;
    void onRetainedExpired(const QByteArray &topic) override;

    // The text logged for a packet (without the "<TYPE> << client" prefix). Public for tests
    // and for embedders who want the same formatting.
    QString describePacket(const packets::Packet &packet) const;

private:
    void log(const QString &line) const;
    void logPacket(const ClientInfo &client, const packets::Packet &packet, const char *direction) const;

    DebugHookOptions m_options;
};

} // namespace petrel
