// An asynchronous Redis client for the broker (storage hook, cluster mode), on hiredis
// (libhiredis-dev) driven by the Qt event loop: no thread ever blocks on the network.
//
// Client: one connection for commands. open() connects in the background; AUTH (username +
// password, Redis 6 ACL, or password alone) and SELECT run before connected() is emitted.
// A lost or failed connection is logged (category "petrel.redis"), counted (errorCount()) and
// retried with exponential back-off: 100 ms, 200 ms, ... up to Settings::maxBackoffMs.
// A connection that does not complete (TCP + AUTH + SELECT) within connectTimeoutMs counts as
// failed. While not connected, command() does not queue: the callback gets an Error reply
// "not connected" (the caller decides what to keep, so memory stays bounded). Commands sent
// when the connection drops get an Error reply "connection lost".
//
// Callbacks always run on the Client's thread from its event loop, never inside command()
// or pipeline() themselves (the "not connected" reply is delivered by a queued call too).
// Do not delete a Client or Subscriber from inside one of its own callbacks or signals: use
// deleteLater(). Destroying a Client drops the callbacks of commands still in flight
// (they are not called).
//
// pipeline() is a plain pipelined batch, NOT MULTI/EXEC: the commands are written at once and
// the callback gets every reply, in order, after the last one. To make a batch atomic, put
// "MULTI" first and "EXEC" last: the replies are then QUEUED statuses and EXEC's array.
//
// Subscriber: a second connection in pub/sub mode (a connection that has subscribed cannot
// run other commands). It remembers its channels and subscribes to them again after every
// reconnect; messages published while it was disconnected are lost (Redis pub/sub semantics).
//
// Why not hiredis/adapters/qt.h: the Debian header (hiredis 0.14) connects the Qt 5 signal
// QSocketNotifier::activated(int), which no longer exists in Qt 6 (the connect fails at run
// time), uses the `slots` keyword (petrel_core builds with QT_NO_KEYWORDS) and has a Q_OBJECT
// class in a system header that AUTOMOC does not see. redisclient.cpp has the same adapter
// (a QSocketNotifier per direction, enabled by hiredis' addRead/addWrite hooks) in Qt 6 form.
//
// errorCount(): failed connects, lost connections, failed AUTH/SELECT, and every Error reply
// handed to a callback (including "not connected"/"connection lost").
// reconnectCount(): connections (re-)established after the first one.
#pragma once

#include <QByteArray>
#include <QList>
#include <QLoggingCategory>
#include <QObject>
#include <QSet>
#include <QString>

#include <functional>
#include <memory>

namespace petrel::redis {

Q_DECLARE_LOGGING_CATEGORY(lcRedis)

struct Reply {
    enum class Type { Nil, Status, Error, Integer, String, Array };
    Type type = Type::Nil;
    qint64 integer = 0;
    QByteArray string; // Status, Error and String
    QList<Reply> elements;

    bool isError() const { return type == Type::Error; }
    bool isNil() const { return type == Type::Nil; }
    static Reply error(const QByteArray &message);
    // For logs and test failures: "OK", "(error) ERR ...", "(integer) 3", "\"abc\"", "[...]".
    QString toString() const;
};

struct Settings {
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 6379;
    QString username; // Redis 6 ACL user; empty: AUTH with the password alone
    QString password; // empty (and no username): no AUTH
    int database = 0; // SELECT when not 0
    int connectTimeoutMs = 2000;
    int maxBackoffMs = 5000;

    QString address() const; // "host:port", for messages
};

// "host:port" as Mochi's `address` ("localhost:6379"); "host" alone means port 6379;
// "[::1]:6379" for IPv6. Sets out.host and out.port only. False with *error on bad input.
bool parseAddress(const QString &hostPort, Settings &out, QString *error);

namespace detail {
class Link;
}

class Client : public QObject {
    Q_OBJECT
public:
    explicit Client(Settings settings, QObject *parent = nullptr);
    ~Client() override;

    void open();
    bool isConnected() const;

    using Callback = std::function<void(const Reply &)>;
    void command(QList<QByteArray> args, Callback cb = {});
    void pipeline(QList<QList<QByteArray>> commands, std::function<void(const QList<Reply> &)> cb = {});

    quint64 errorCount() const;
    quint64 reconnectCount() const;
    // The last connection problem, e.g. "Redis at 127.0.0.1:6379: AUTH failed: WRONGPASS ...".
    QString lastError() const;
    const Settings &settings() const;
    // Commands written and not answered yet.
    int pendingCount() const;

Q_SIGNALS:
    void connected();
    void disconnected(const QString &reason);

private:
    void deliverLater(Callback cb, const Reply &reply);
    std::unique_ptr<detail::Link> m_link;
};

class Subscriber : public QObject {
    Q_OBJECT
public:
    explicit Subscriber(Settings settings, QObject *parent = nullptr);
    ~Subscriber() override;

    void open();
    bool isConnected() const;
    void subscribe(const QByteArray &channel);
    void unsubscribe(const QByteArray &channel);
    QSet<QByteArray> channels() const { return m_channels; }

    quint64 errorCount() const;
    quint64 reconnectCount() const;
    QString lastError() const;

Q_SIGNALS:
    void message(const QByteArray &channel, const QByteArray &payload);
    // After the connection is up and SUBSCRIBE for every channel has been sent.
    void connected();
    void disconnected(const QString &reason);

private:
    void sendSubscribe(const QList<QByteArray> &channels, bool subscribe);
    std::unique_ptr<detail::Link> m_link;
    QSet<QByteArray> m_channels;
};

// Blocking: its own connection (connectTimeoutMs for connect and each reply), AUTH, SELECT,
// the command, close. For start-up checks only, never on an event-loop thread at run time.
// On failure returns an Error reply and sets *error to a message naming the address, e.g.
// "cannot connect to Redis at 127.0.0.1:6390: Connection refused". *error is also set when
// the command itself answers with an error.
Reply commandSync(const Settings &s, QList<QByteArray> args, QString *error);

} // namespace petrel::redis
