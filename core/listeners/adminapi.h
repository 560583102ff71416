// The admin HTTP API (docs/admin-api.md): JSON under /api/v1/ on sysinfo listeners that
// have an admin_token. Every request must carry "Authorization: Bearer <admin_token>".
//
//   GET    /api/v1/stats                     counters, uptime, memory
//   GET    /api/v1/clients                   every session (connected and offline)
//   GET    /api/v1/sessions                  the same list
//   GET    /api/v1/clients/{id}              one session, with its subscriptions
//   POST   /api/v1/clients/{id}/disconnect   {"reason": 152}  (v5 DISCONNECT reason, default 0x98)
//   DELETE /api/v1/sessions/{id}             end the session (disconnecting it first)
//   GET    /api/v1/subscriptions[?client=id]
//   GET    /api/v1/retained
//   DELETE /api/v1/retained?topic=a/b
//   GET    /api/v1/log[?after=seq&limit=n&level=info]
//   GET    /api/v1/messages[?after=seq&limit=n&filter=a/#]   recent messages (poll for a live stream)
//   POST   /api/v1/publish                   {"topic","payload"|"payload_base64","qos","retain","properties"}
//
// Independent of QtHttpServer so it can be read (and tested) as plain request -> response.
#pragma once

#include "broker/broker.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QUrl>

#include <functional>

namespace petrel {

class BrokerCore;

struct AdminRequest {
    QByteArray method; // GET, POST, DELETE, ...
    QUrl url;
    QByteArray authorization; // the Authorization header, as sent
    QByteArray body;
};

struct AdminResponse {
    int status = 200;
    QByteArray body; // JSON
    QList<QPair<QByteArray, QByteArray>> headers;
};

// True if the path belongs to the admin API (starts with /api/).
bool isAdminApiPath(const QString &path);

// Answers one request. `token` empty = the API is disabled on this listener (403).
AdminResponse handleAdminApi(const AdminRequest &request, BrokerCore &core, const QString &token,
                             const std::function<BrokerStats()> &stats);

} // namespace petrel
