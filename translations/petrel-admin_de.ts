<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de">
  <context>
    <name>QObject</name>
    <message>
      <source>%1 (%2)</source>
      <translation>%1 (%2)</translation>
    </message>
  </context>
  <context>
    <name>petrel-admin</name>
    <message>
      <source>Petrel Admin: run or watch a Petrel MQTT broker.</source>
      <translation>Petrel Admin: einen Petrel-MQTT-Broker betreiben oder beobachten.</translation>
    </message>
    <message>
      <source>Embedded mode (a broker in this process).</source>
      <translation>Eingebetteter Modus (ein Broker in diesem Prozess).</translation>
    </message>
    <message>
      <source>Load the embedded broker's settings from &lt;file&gt;.</source>
      <translation>Die Einstellungen des eingebetteten Brokers aus &lt;file&gt; laden.</translation>
    </message>
    <message>
      <source>Attached mode: the admin API at &lt;url&gt;.</source>
      <translation>Verbundener Modus: die Admin-API unter &lt;url&gt;.</translation>
    </message>
    <message>
      <source>Admin token for --attach.</source>
      <translation>Admin-Token für --attach.</translation>
    </message>
    <message>
      <source>Start the broker (or attach) right away.</source>
      <translation>Den Broker sofort starten (oder verbinden).</translation>
    </message>
    <message>
      <source>Open a view: dashboard, clients, subscriptions, topics, publish, messages, log, settings.</source>
      <translation>Eine Ansicht öffnen: dashboard, clients, subscriptions, topics, publish, messages, log, settings.</translation>
    </message>
    <message>
      <source>UI language: en, de, ja, zh_CN.</source>
      <translation>Sprache der Oberfläche: en, de, ja, zh_CN.</translation>
    </message>
    <message>
      <source>Save a PNG of every view into &lt;dir&gt; after --screenshot-delay seconds, then quit (gui/screenshots.sh).</source>
      <translation>Nach --screenshot-delay Sekunden ein PNG jeder Ansicht in &lt;dir&gt; speichern, dann beenden (gui/screenshots.sh).</translation>
    </message>
    <message>
      <source>Seconds to run before --screenshots (default 8).</source>
      <translation>Sekunden Laufzeit vor --screenshots (Standard 8).</translation>
    </message>
    <message>
      <source>unknown view '%1'</source>
      <translation>unbekannte Ansicht „%1“</translation>
    </message>
    <message>
      <source>cannot write %1</source>
      <translation>%1 kann nicht geschrieben werden</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::AttachedBackend</name>
    <message>
      <source>Attached to %1</source>
      <translation>Verbunden mit %1</translation>
    </message>
    <message>
      <source>Not attached to %1: %2</source>
      <translation>Nicht mit %1 verbunden: %2</translation>
    </message>
    <message>
      <source>Not attached</source>
      <translation>Nicht verbunden</translation>
    </message>
    <message>
      <source>%1 failed: %2</source>
      <translation>%1 fehlgeschlagen: %2</translation>
    </message>
    <message>
      <source>Client %1 disconnected</source>
      <translation>Client %1 getrennt</translation>
    </message>
    <message>
      <source>Session %1 deleted</source>
      <translation>Sitzung %1 gelöscht</translation>
    </message>
    <message>
      <source>Retained message on %1 deleted</source>
      <translation>Retained-Nachricht auf %1 gelöscht</translation>
    </message>
    <message>
      <source>Published to %1</source>
      <translation>Auf %1 veröffentlicht</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::Backend</name>
    <message>
      <source>no such client or topic</source>
      <translation>kein solcher Client bzw. kein solches Topic</translation>
    </message>
    <message>
      <source>the client is not connected</source>
      <translation>der Client ist nicht verbunden</translation>
    </message>
    <message>
      <source>a server may not send this reason code</source>
      <translation>diesen Reason Code darf ein Server nicht senden</translation>
    </message>
    <message>
      <source>the broker did not answer in time</source>
      <translation>der Broker hat nicht rechtzeitig geantwortet</translation>
    </message>
    <message>
      <source>no such worker thread</source>
      <translation>kein solcher Worker-Thread</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::ClientsModel</name>
    <message>
      <source>never</source>
      <translation>nie</translation>
    </message>
    <message>
      <source>connected</source>
      <translation>verbunden</translation>
    </message>
    <message>
      <source>offline</source>
      <translation>offline</translation>
    </message>
    <message>
      <source>Client ID</source>
      <translation>Client-ID</translation>
    </message>
    <message>
      <source>Username</source>
      <translation>Benutzername</translation>
    </message>
    <message>
      <source>Status</source>
      <translation>Status</translation>
    </message>
    <message>
      <source>Remote address</source>
      <translation>Entfernte Adresse</translation>
    </message>
    <message>
      <source>Listener</source>
      <translation>Listener</translation>
    </message>
    <message>
      <source>MQTT</source>
      <translation>MQTT</translation>
    </message>
    <message>
      <source>Keep alive</source>
      <translation>Keep-Alive</translation>
    </message>
    <message>
      <source>Session expiry</source>
      <translation>Sitzungsablauf</translation>
    </message>
    <message>
      <source>Subscriptions</source>
      <translation>Abonnements</translation>
    </message>
    <message>
      <source>Inflight</source>
      <translation>Unbestätigt</translation>
    </message>
    <message>
      <source>Queued</source>
      <translation>Wartend</translation>
    </message>
    <message>
      <source>Msgs in</source>
      <translation>Nachr. ein</translation>
    </message>
    <message>
      <source>Msgs out</source>
      <translation>Nachr. aus</translation>
    </message>
    <message>
      <source>Connected since</source>
      <translation>Verbunden seit</translation>
    </message>
    <message>
      <source>Node</source>
      <translation>Knoten</translation>
    </message>
    <message>
      <source>Worker</source>
      <translation>Worker</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::ClientsView</name>
    <message>
      <source>Filter clients (id, user, address, …)</source>
      <translation>Clients filtern (ID, Benutzer, Adresse, …)</translation>
    </message>
    <message>
      <source>0x98 Administrative action</source>
      <translation>0x98 Administrative Aktion</translation>
    </message>
    <message>
      <source>0x00 Normal disconnection</source>
      <translation>0x00 Normale Trennung</translation>
    </message>
    <message>
      <source>0x8B Server shutting down</source>
      <translation>0x8B Server fährt herunter</translation>
    </message>
    <message>
      <source>0x87 Not authorized</source>
      <translation>0x87 Nicht autorisiert</translation>
    </message>
    <message>
      <source>0x89 Server busy</source>
      <translation>0x89 Server ausgelastet</translation>
    </message>
    <message>
      <source>0x9C Use another server</source>
      <translation>0x9C Anderen Server verwenden</translation>
    </message>
    <message>
      <source>0x9D Server moved</source>
      <translation>0x9D Server umgezogen</translation>
    </message>
    <message>
      <source>0x97 Quota exceeded</source>
      <translation>0x97 Kontingent überschritten</translation>
    </message>
    <message>
      <source>Reason code sent to MQTT 5 clients in DISCONNECT (3.x clients are just closed)</source>
      <translation>Reason Code, den MQTT-5-Clients im DISCONNECT erhalten (3.x-Clients werden nur geschlossen)</translation>
    </message>
    <message>
      <source>&amp;Disconnect</source>
      <translation>&amp;Trennen</translation>
    </message>
    <message>
      <source>Disconnect the selected client (Ctrl+D)</source>
      <translation>Ausgewählten Client trennen (Strg+D)</translation>
    </message>
    <message>
      <source>Delete &amp;session</source>
      <translation>&amp;Sitzung löschen</translation>
    </message>
    <message>
      <source>End the selected session: subscriptions and queued messages go (Shift+Del)</source>
      <translation>Ausgewählte Sitzung beenden: Abonnements und wartende Nachrichten werden entfernt (Umschalt+Entf)</translation>
    </message>
    <message>
      <source>Details</source>
      <translation>Details</translation>
    </message>
    <message>
      <source>&lt;p&gt;Select a client to see its details.&lt;/p&gt;</source>
      <translation>&lt;p&gt;Wählen Sie einen Client, um Details zu sehen.&lt;/p&gt;</translation>
    </message>
    <message>
      <source>Status</source>
      <translation>Status</translation>
    </message>
    <message>
      <source>connected</source>
      <translation>verbunden</translation>
    </message>
    <message>
      <source>offline</source>
      <translation>offline</translation>
    </message>
    <message>
      <source>Username</source>
      <translation>Benutzername</translation>
    </message>
    <message>
      <source>Remote address</source>
      <translation>Entfernte Adresse</translation>
    </message>
    <message>
      <source>Listener</source>
      <translation>Listener</translation>
    </message>
    <message>
      <source>MQTT version</source>
      <translation>MQTT-Version</translation>
    </message>
    <message>
      <source>Keep alive</source>
      <translation>Keep-Alive</translation>
    </message>
    <message>
      <source>%1 s</source>
      <translation>%1 s</translation>
    </message>
    <message>
      <source>Session expiry</source>
      <translation>Sitzungsablauf</translation>
    </message>
    <message>
      <source>never</source>
      <translation>nie</translation>
    </message>
    <message>
      <source>Receive maximum</source>
      <translation>Empfangsmaximum</translation>
    </message>
    <message>
      <source>Maximum packet size</source>
      <translation>Maximale Paketgröße</translation>
    </message>
    <message>
      <source>no limit</source>
      <translation>keine Grenze</translation>
    </message>
    <message>
      <source>Topic alias maximum</source>
      <translation>Topic-Alias-Maximum</translation>
    </message>
    <message>
      <source>Inflight / queued</source>
      <translation>Unbestätigt / wartend</translation>
    </message>
    <message>
      <source>Messages in / out</source>
      <translation>Nachrichten ein / aus</translation>
    </message>
    <message>
      <source>Connected since</source>
      <translation>Verbunden seit</translation>
    </message>
    <message>
      <source>Disconnected at</source>
      <translation>Getrennt um</translation>
    </message>
    <message>
      <source>Will</source>
      <translation>Will</translation>
    </message>
    <message>
      <source>Topic</source>
      <translation>Topic</translation>
    </message>
    <message>
      <source>Payload</source>
      <translation>Payload</translation>
    </message>
    <message>
      <source>QoS / retain</source>
      <translation>QoS / Retain</translation>
    </message>
    <message>
      <source>yes</source>
      <translation>ja</translation>
    </message>
    <message>
      <source>no</source>
      <translation>nein</translation>
    </message>
    <message>
      <source>Delay</source>
      <translation>Verzögerung</translation>
    </message>
    <message>
      <source>Subscriptions</source>
      <translation>Abonnements</translation>
    </message>
    <message>
      <source>none</source>
      <translation>keine</translation>
    </message>
    <message>
      <source>Node</source>
      <translation>Knoten</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::DashboardView</name>
    <message>
      <source>%1 d %2 h %3 min</source>
      <translation>%1 T %2 h %3 min</translation>
    </message>
    <message>
      <source>%1 h %2 min</source>
      <translation>%1 h %2 min</translation>
    </message>
    <message>
      <source>%1 min %2 s</source>
      <translation>%1 min %2 s</translation>
    </message>
    <message>
      <source>Broker</source>
      <translation>Broker</translation>
    </message>
    <message>
      <source>Connected clients</source>
      <translation>Verbundene Clients</translation>
    </message>
    <message>
      <source>Sessions</source>
      <translation>Sitzungen</translation>
    </message>
    <message>
      <source>Messages in /s</source>
      <translation>Nachrichten ein /s</translation>
    </message>
    <message>
      <source>Messages out /s</source>
      <translation>Nachrichten aus /s</translation>
    </message>
    <message>
      <source>Bytes in /s</source>
      <translation>Bytes ein /s</translation>
    </message>
    <message>
      <source>Bytes out /s</source>
      <translation>Bytes aus /s</translation>
    </message>
    <message>
      <source>Subscriptions</source>
      <translation>Abonnements</translation>
    </message>
    <message>
      <source>Retained messages</source>
      <translation>Retained-Nachrichten</translation>
    </message>
    <message>
      <source>Inflight</source>
      <translation>Unbestätigt</translation>
    </message>
    <message>
      <source>Dropped</source>
      <translation>Verworfen</translation>
    </message>
    <message>
      <source>Uptime</source>
      <translation>Laufzeit</translation>
    </message>
    <message>
      <source>Memory</source>
      <translation>Speicher</translation>
    </message>
    <message>
      <source>Messages per second</source>
      <translation>Nachrichten pro Sekunde</translation>
    </message>
    <message>
      <source>in</source>
      <translation>ein</translation>
    </message>
    <message>
      <source>out</source>
      <translation>aus</translation>
    </message>
    <message>
      <source>Bytes per second</source>
      <translation>Bytes pro Sekunde</translation>
    </message>
    <message>
      <source>Clients</source>
      <translation>Clients</translation>
    </message>
    <message>
      <source>connected</source>
      <translation>verbunden</translation>
    </message>
    <message>
      <source>subscriptions</source>
      <translation>Abonnements</translation>
    </message>
    <message>
      <source>inflight</source>
      <translation>unbestätigt</translation>
    </message>
    <message>
      <source>Memory (MiB)</source>
      <translation>Speicher (MiB)</translation>
    </message>
    <message>
      <source>resident</source>
      <translation>resident</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::EmbeddedBackend</name>
    <message>
      <source>Embedded broker stopped</source>
      <translation>Eingebetteter Broker gestoppt</translation>
    </message>
    <message>
      <source>Embedded broker running: %1</source>
      <translation>Eingebetteter Broker läuft: %1</translation>
    </message>
    <message>
      <source>Client %1 disconnected</source>
      <translation>Client %1 getrennt</translation>
    </message>
    <message>
      <source>Cannot disconnect %1: %2</source>
      <translation>%1 kann nicht getrennt werden: %2</translation>
    </message>
    <message>
      <source>Session %1 deleted</source>
      <translation>Sitzung %1 gelöscht</translation>
    </message>
    <message>
      <source>Cannot delete session %1: %2</source>
      <translation>Sitzung %1 kann nicht gelöscht werden: %2</translation>
    </message>
    <message>
      <source>Retained message on %1 deleted</source>
      <translation>Retained-Nachricht auf %1 gelöscht</translation>
    </message>
    <message>
      <source>Cannot delete retained %1: %2</source>
      <translation>Retained-Nachricht %1 kann nicht gelöscht werden: %2</translation>
    </message>
    <message>
      <source>Start the broker first</source>
      <translation>Starten Sie zuerst den Broker</translation>
    </message>
    <message>
      <source>Published to %1</source>
      <translation>Auf %1 veröffentlicht</translation>
    </message>
    <message>
      <source>Cannot publish to %1: %2</source>
      <translation>Veröffentlichen auf %1 nicht möglich: %2</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::LogModel</name>
    <message>
      <source>debug</source>
      <translation>debug</translation>
    </message>
    <message>
      <source>info</source>
      <translation>info</translation>
    </message>
    <message>
      <source>warning</source>
      <translation>Warnung</translation>
    </message>
    <message>
      <source>critical</source>
      <translation>kritisch</translation>
    </message>
    <message>
      <source>fatal</source>
      <translation>fatal</translation>
    </message>
    <message>
      <source>Time</source>
      <translation>Zeit</translation>
    </message>
    <message>
      <source>Level</source>
      <translation>Stufe</translation>
    </message>
    <message>
      <source>Category</source>
      <translation>Kategorie</translation>
    </message>
    <message>
      <source>Message</source>
      <translation>Meldung</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::LogView</name>
    <message>
      <source>Debug and above</source>
      <translation>Debug und höher</translation>
    </message>
    <message>
      <source>Info and above</source>
      <translation>Info und höher</translation>
    </message>
    <message>
      <source>Warnings and errors</source>
      <translation>Warnungen und Fehler</translation>
    </message>
    <message>
      <source>Errors only</source>
      <translation>Nur Fehler</translation>
    </message>
    <message>
      <source>Search the log</source>
      <translation>Protokoll durchsuchen</translation>
    </message>
    <message>
      <source>Clear</source>
      <translation>Leeren</translation>
    </message>
    <message>
      <source>Level</source>
      <translation>Stufe</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::MainWindow</name>
    <message>
      <source>Petrel Admin</source>
      <translation>Petrel Admin</translation>
    </message>
    <message>
      <source>Dashboard</source>
      <translation>Übersicht</translation>
    </message>
    <message>
      <source>Clients</source>
      <translation>Clients</translation>
    </message>
    <message>
      <source>Subscriptions</source>
      <translation>Abonnements</translation>
    </message>
    <message>
      <source>Topics</source>
      <translation>Topics</translation>
    </message>
    <message>
      <source>Publish</source>
      <translation>Veröffentlichen</translation>
    </message>
    <message>
      <source>Messages</source>
      <translation>Nachrichten</translation>
    </message>
    <message>
      <source>Log</source>
      <translation>Protokoll</translation>
    </message>
    <message>
      <source>Settings</source>
      <translation>Einstellungen</translation>
    </message>
    <message>
      <source>%1 (Ctrl+%2)</source>
      <translation>%1 (Strg+%2)</translation>
    </message>
    <message>
      <source>&amp;Start</source>
      <translation>&amp;Starten</translation>
    </message>
    <message>
      <source>Start the embedded broker, or attach to petrel-server (F5)</source>
      <translation>Eingebetteten Broker starten oder mit petrel-server verbinden (F5)</translation>
    </message>
    <message>
      <source>S&amp;top</source>
      <translation>S&amp;toppen</translation>
    </message>
    <message>
      <source>Stop the embedded broker, or detach (Shift+F5)</source>
      <translation>Eingebetteten Broker stoppen oder Verbindung trennen (Umschalt+F5)</translation>
    </message>
    <message>
      <source>&amp;Quit</source>
      <translation>&amp;Beenden</translation>
    </message>
    <message>
      <source>Broker</source>
      <translation>Broker</translation>
    </message>
    <message>
      <source>&amp;Broker</source>
      <translation>&amp;Broker</translation>
    </message>
    <message>
      <source>&amp;View</source>
      <translation>&amp;Ansicht</translation>
    </message>
    <message>
      <source>&amp;Help</source>
      <translation>&amp;Hilfe</translation>
    </message>
    <message>
      <source>&amp;About Petrel Admin</source>
      <translation>Ü&amp;ber Petrel Admin</translation>
    </message>
    <message>
      <source>About Petrel Admin</source>
      <translation>Über Petrel Admin</translation>
    </message>
    <message>
      <source>&lt;b&gt;Petrel Admin&lt;/b&gt; %1&lt;br&gt;A desktop view of the Petrel MQTT broker: run one embedded, or attach to petrel-server through its admin API.</source>
      <translation>&lt;b&gt;Petrel Admin&lt;/b&gt; %1&lt;br&gt;Eine Desktop-Ansicht des Petrel-MQTT-Brokers: eingebettet ausführen oder über die Admin-API mit petrel-server verbinden.</translation>
    </message>
    <message>
      <source>Show Petrel Admin</source>
      <translation>Petrel Admin anzeigen</translation>
    </message>
    <message>
      <source>Start the broker or attach first (F5)</source>
      <translation>Zuerst Broker starten oder verbinden (F5)</translation>
    </message>
    <message>
      <source>Cannot start the broker: %1</source>
      <translation>Broker kann nicht gestartet werden: %1</translation>
    </message>
    <message>
      <source>The admin API URL is not valid</source>
      <translation>Die Admin-API-URL ist ungültig</translation>
    </message>
    <message>
      <source>&amp;Attach</source>
      <translation>&amp;Verbinden</translation>
    </message>
    <message>
      <source>De&amp;tach</source>
      <translation>&amp;Trennen</translation>
    </message>
    <message>
      <source>Stopped</source>
      <translation>Gestoppt</translation>
    </message>
    <message>
      <source>Last config not loaded: %1</source>
      <translation>Letzte Konfiguration nicht geladen: %1</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::MessagesModel</name>
    <message>
      <source>retain</source>
      <translation>retain</translation>
    </message>
    <message>
      <source>(server)</source>
      <translation>(Server)</translation>
    </message>
    <message>
      <source>Time</source>
      <translation>Zeit</translation>
    </message>
    <message>
      <source>Topic</source>
      <translation>Topic</translation>
    </message>
    <message>
      <source>QoS</source>
      <translation>QoS</translation>
    </message>
    <message>
      <source>Retain</source>
      <translation>Retain</translation>
    </message>
    <message>
      <source>From</source>
      <translation>Von</translation>
    </message>
    <message>
      <source>Bytes</source>
      <translation>Bytes</translation>
    </message>
    <message>
      <source>Payload</source>
      <translation>Payload</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::MessagesView</name>
    <message>
      <source>MQTT topic filter of the messages to show (+ and # allowed); Enter applies it</source>
      <translation>MQTT-Topic-Filter der anzuzeigenden Nachrichten (+ und # erlaubt); Eingabe übernimmt ihn</translation>
    </message>
    <message>
      <source>Search topic, client, payload</source>
      <translation>Topic, Client, Payload durchsuchen</translation>
    </message>
    <message>
      <source>Pause</source>
      <translation>Pause</translation>
    </message>
    <message>
      <source>Pause the live log (Ctrl+P)</source>
      <translation>Live-Protokoll anhalten (Strg+P)</translation>
    </message>
    <message>
      <source>Clear</source>
      <translation>Leeren</translation>
    </message>
    <message>
      <source>Export…</source>
      <translation>Exportieren…</translation>
    </message>
    <message>
      <source>Save the shown messages as JSON lines</source>
      <translation>Angezeigte Nachrichten als JSON Lines speichern</translation>
    </message>
    <message>
      <source>Export messages</source>
      <translation>Nachrichten exportieren</translation>
    </message>
    <message>
      <source>JSON lines (*.jsonl *.json)</source>
      <translation>JSON Lines (*.jsonl *.json)</translation>
    </message>
    <message>
      <source>Filter</source>
      <translation>Filter</translation>
    </message>
    <message>
      <source>"%1" is not a valid topic filter</source>
      <translation>„%1“ ist kein gültiger Topic-Filter</translation>
    </message>
    <message>
      <source>%1 messages on %2</source>
      <translation>%1 Nachrichten auf %2</translation>
    </message>
    <message>
      <source>paused, %1 not shown</source>
      <translation>angehalten, %1 nicht angezeigt</translation>
    </message>
    <message>
      <source>%1 not captured (over 80,000/s)</source>
      <translation>%1 nicht erfasst (über 80.000/s)</translation>
    </message>
    <message>
      <source>Cannot write %1: %2</source>
      <translation>%1 kann nicht geschrieben werden: %2</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::PublishView</name>
    <message>
      <source>e.g. home/kitchen/lamp</source>
      <translation>z. B. home/kitchen/lamp</translation>
    </message>
    <message>
      <source>Retain</source>
      <translation>Retain</translation>
    </message>
    <message>
      <source>Text</source>
      <translation>Text</translation>
    </message>
    <message>
      <source>Hex</source>
      <translation>Hex</translation>
    </message>
    <message>
      <source>JSON</source>
      <translation>JSON</translation>
    </message>
    <message>
      <source>File</source>
      <translation>Datei</translation>
    </message>
    <message>
      <source>File whose bytes are the payload</source>
      <translation>Datei, deren Bytes die Payload sind</translation>
    </message>
    <message>
      <source>Browse…</source>
      <translation>Durchsuchen…</translation>
    </message>
    <message>
      <source>Payload file</source>
      <translation>Payload-Datei</translation>
    </message>
    <message>
      <source>MQTT 5 properties</source>
      <translation>MQTT-5-Eigenschaften</translation>
    </message>
    <message>
      <source>none</source>
      <translation>keine</translation>
    </message>
    <message>
      <source> s</source>
      <translation> s</translation>
    </message>
    <message>
      <source>Payload is UTF-8 (format indicator 1)</source>
      <translation>Payload ist UTF-8 (Formatindikator 1)</translation>
    </message>
    <message>
      <source>Key</source>
      <translation>Schlüssel</translation>
    </message>
    <message>
      <source>Value</source>
      <translation>Wert</translation>
    </message>
    <message>
      <source>Add user property</source>
      <translation>Benutzereigenschaft hinzufügen</translation>
    </message>
    <message>
      <source>Remove</source>
      <translation>Entfernen</translation>
    </message>
    <message>
      <source>Content type</source>
      <translation>Inhaltstyp</translation>
    </message>
    <message>
      <source>Response topic</source>
      <translation>Antwort-Topic</translation>
    </message>
    <message>
      <source>Correlation data</source>
      <translation>Korrelationsdaten</translation>
    </message>
    <message>
      <source>Message expiry</source>
      <translation>Nachrichtenablauf</translation>
    </message>
    <message>
      <source>User properties</source>
      <translation>Benutzereigenschaften</translation>
    </message>
    <message>
      <source>&amp;Publish</source>
      <translation>&amp;Veröffentlichen</translation>
    </message>
    <message>
      <source>Publish (Ctrl+Return)</source>
      <translation>Veröffentlichen (Strg+Eingabe)</translation>
    </message>
    <message>
      <source>Topic</source>
      <translation>Topic</translation>
    </message>
    <message>
      <source>QoS</source>
      <translation>QoS</translation>
    </message>
    <message>
      <source>Payload as</source>
      <translation>Payload als</translation>
    </message>
    <message>
      <source>Payload</source>
      <translation>Payload</translation>
    </message>
    <message>
      <source>Send again</source>
      <translation>Erneut senden</translation>
    </message>
    <message>
      <source>History (double-click to load)</source>
      <translation>Verlauf (Doppelklick zum Laden)</translation>
    </message>
    <message>
      <source>Enter a topic.</source>
      <translation>Geben Sie ein Topic ein.</translation>
    </message>
    <message>
      <source>A topic to publish to cannot contain + or #.</source>
      <translation>Ein Topic zum Veröffentlichen darf kein + oder # enthalten.</translation>
    </message>
    <message>
      <source>Hex payload: give pairs of hex digits, e.g. 01 ff 7a.</source>
      <translation>Hex-Payload: Paare von Hex-Ziffern angeben, z. B. 01 ff 7a.</translation>
    </message>
    <message>
      <source>JSON payload: %1 at character %2.</source>
      <translation>JSON-Payload: %1 bei Zeichen %2.</translation>
    </message>
    <message>
      <source>Choose a payload file.</source>
      <translation>Wählen Sie eine Payload-Datei.</translation>
    </message>
    <message>
      <source>Cannot read %1: %2</source>
      <translation>%1 kann nicht gelesen werden: %2</translation>
    </message>
    <message>
      <source>The file is larger than an MQTT payload may be (256 MB).</source>
      <translation>Die Datei ist größer als eine MQTT-Payload sein darf (256 MB).</translation>
    </message>
    <message>
      <source>The response topic cannot contain + or #.</source>
      <translation>Das Antwort-Topic darf kein + oder # enthalten.</translation>
    </message>
    <message>
      <source>The payload is not valid UTF-8.</source>
      <translation>Die Payload ist kein gültiges UTF-8.</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::SettingsView</name>
    <message>
      <source>Mode</source>
      <translation>Modus</translation>
    </message>
    <message>
      <source>Embedded: run a broker inside petrel-admin</source>
      <translation>Eingebettet: einen Broker in petrel-admin ausführen</translation>
    </message>
    <message>
      <source>Attached: watch a running petrel-server through its admin API</source>
      <translation>Verbunden: einen laufenden petrel-server über seine Admin-API beobachten</translation>
    </message>
    <message>
      <source>Embedded broker</source>
      <translation>Eingebetteter Broker</translation>
    </message>
    <message>
      <source>Type</source>
      <translation>Typ</translation>
    </message>
    <message>
      <source>ID</source>
      <translation>ID</translation>
    </message>
    <message>
      <source>Address</source>
      <translation>Adresse</translation>
    </message>
    <message>
      <source>Add listener</source>
      <translation>Listener hinzufügen</translation>
    </message>
    <message>
      <source>Remove listener</source>
      <translation>Listener entfernen</translation>
    </message>
    <message>
      <source>Allow every client (no authentication; for development)</source>
      <translation>Jeden Client zulassen (keine Authentifizierung; für Entwicklung)</translation>
    </message>
    <message>
      <source>one per core</source>
      <translation>einer pro Kern</translation>
    </message>
    <message>
      <source> s</source>
      <translation> s</translation>
    </message>
    <message>
      <source>off</source>
      <translation>aus</translation>
    </message>
    <message>
      <source>unlimited</source>
      <translation>unbegrenzt</translation>
    </message>
    <message>
      <source>no maximum</source>
      <translation>kein Maximum</translation>
    </message>
    <message>
      <source>Retained messages available</source>
      <translation>Retained-Nachrichten verfügbar</translation>
    </message>
    <message>
      <source>debug</source>
      <translation>debug</translation>
    </message>
    <message>
      <source>info</source>
      <translation>info</translation>
    </message>
    <message>
      <source>warn</source>
      <translation>warn</translation>
    </message>
    <message>
      <source>error</source>
      <translation>error</translation>
    </message>
    <message>
      <source>Listeners</source>
      <translation>Listener</translation>
    </message>
    <message>
      <source>Types: tcp, ws, unix, sysinfo, healthcheck</source>
      <translation>Typen: tcp, ws, unix, sysinfo, healthcheck</translation>
    </message>
    <message>
      <source>Worker threads</source>
      <translation>Worker-Threads</translation>
    </message>
    <message>
      <source>$SYS interval</source>
      <translation>$SYS-Intervall</translation>
    </message>
    <message>
      <source>Maximum clients</source>
      <translation>Maximale Clients</translation>
    </message>
    <message>
      <source>Maximum QoS</source>
      <translation>Maximale QoS</translation>
    </message>
    <message>
      <source>Maximum inflight</source>
      <translation>Maximal unbestätigt</translation>
    </message>
    <message>
      <source>Maximum keep alive</source>
      <translation>Maximales Keep-Alive</translation>
    </message>
    <message>
      <source>Log level</source>
      <translation>Protokollstufe</translation>
    </message>
    <message>
      <source>Not saved yet</source>
      <translation>Noch nicht gespeichert</translation>
    </message>
    <message>
      <source>Open config…</source>
      <translation>Konfiguration öffnen…</translation>
    </message>
    <message>
      <source>Save config as…</source>
      <translation>Konfiguration speichern unter…</translation>
    </message>
    <message>
      <source>Open Petrel config</source>
      <translation>Petrel-Konfiguration öffnen</translation>
    </message>
    <message>
      <source>Config files (*.yaml *.yml *.json)</source>
      <translation>Konfigurationsdateien (*.yaml *.yml *.json)</translation>
    </message>
    <message>
      <source>Save Petrel config</source>
      <translation>Petrel-Konfiguration speichern</translation>
    </message>
    <message>
      <source>YAML (*.yaml *.yml)</source>
      <translation>YAML (*.yaml *.yml)</translation>
    </message>
    <message>
      <source>Config file</source>
      <translation>Konfigurationsdatei</translation>
    </message>
    <message>
      <source>Attached to petrel-server</source>
      <translation>Mit petrel-server verbunden</translation>
    </message>
    <message>
      <source>Admin API URL</source>
      <translation>Admin-API-URL</translation>
    </message>
    <message>
      <source>Admin token</source>
      <translation>Admin-Token</translation>
    </message>
    <message>
      <source>The server's sysinfo listener needs admin_token set (docs/admin-api.md).</source>
      <translation>Der sysinfo-Listener des Servers braucht ein admin_token (docs/admin-api.md).</translation>
    </message>
    <message>
      <source>Application</source>
      <translation>Anwendung</translation>
    </message>
    <message>
      <source>System language</source>
      <translation>Systemsprache</translation>
    </message>
    <message>
      <source>Language</source>
      <translation>Sprache</translation>
    </message>
    <message>
      <source>Listener %1 needs an ID and an address.</source>
      <translation>Listener %1 braucht eine ID und eine Adresse.</translation>
    </message>
    <message>
      <source>Two listeners are called "%1".</source>
      <translation>Zwei Listener heißen „%1“.</translation>
    </message>
    <message>
      <source>Cannot write %1: %2</source>
      <translation>%1 kann nicht geschrieben werden: %2</translation>
    </message>
    <message>
      <source>Saved, but the file does not load back: %1</source>
      <translation>Gespeichert, aber die Datei lässt sich nicht wieder laden: %1</translation>
    </message>
    <message>
      <source>Remember the token</source>
      <translation>Token merken</translation>
    </message>
    <message>
      <source>Keeps the token for the next start, in plain text in %1. Unticked, it is kept only while the app runs.</source>
      <translation>Speichert das Token für den nächsten Start, im Klartext in %1. Ohne Haken bleibt es nur, solange die App läuft.</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::SubscriptionsModel</name>
    <message>
      <source>yes</source>
      <translation>ja</translation>
    </message>
    <message>
      <source>no</source>
      <translation>nein</translation>
    </message>
    <message>
      <source>Filter</source>
      <translation>Filter</translation>
    </message>
    <message>
      <source>Client ID</source>
      <translation>Client-ID</translation>
    </message>
    <message>
      <source>QoS</source>
      <translation>QoS</translation>
    </message>
    <message>
      <source>No Local</source>
      <translation>No Local</translation>
    </message>
    <message>
      <source>Retain As Published</source>
      <translation>Retain As Published</translation>
    </message>
    <message>
      <source>Retain Handling</source>
      <translation>Retain Handling</translation>
    </message>
    <message>
      <source>Identifier</source>
      <translation>Kennung</translation>
    </message>
    <message>
      <source>Shared group</source>
      <translation>Geteilte Gruppe</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::SubscriptionsView</name>
    <message>
      <source>Filter subscriptions (filter, client, group)</source>
      <translation>Abonnements filtern (Filter, Client, Gruppe)</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::TopicTreeModel</name>
    <message>
      <source>%1 (%2 here)</source>
      <translation>%1 (%2 hier)</translation>
    </message>
    <message>
      <source>retained</source>
      <translation>retained</translation>
    </message>
    <message>
      <source>Topic</source>
      <translation>Topic</translation>
    </message>
    <message>
      <source>Messages</source>
      <translation>Nachrichten</translation>
    </message>
    <message>
      <source>Retained</source>
      <translation>Retained</translation>
    </message>
    <message>
      <source>Last payload</source>
      <translation>Letzte Payload</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::TopicsView</name>
    <message>
      <source>Text</source>
      <translation>Text</translation>
    </message>
    <message>
      <source>Hex</source>
      <translation>Hex</translation>
    </message>
    <message>
      <source>JSON (pretty)</source>
      <translation>JSON (formatiert)</translation>
    </message>
    <message>
      <source>Delete retained</source>
      <translation>Retained löschen</translation>
    </message>
    <message>
      <source>Publish here…</source>
      <translation>Hier veröffentlichen…</translation>
    </message>
    <message>
      <source>Show payload as</source>
      <translation>Payload anzeigen als</translation>
    </message>
    <message>
      <source>Select a topic</source>
      <translation>Wählen Sie ein Topic</translation>
    </message>
    <message>
      <source>No message on this exact topic yet; %1 below it.</source>
      <translation>Noch keine Nachricht auf genau diesem Topic; %1 darunter.</translation>
    </message>
    <message>
      <source>%1 messages · last at %2 · QoS %3 · %4 bytes</source>
      <translation>%1 Nachrichten · zuletzt um %2 · QoS %3 · %4 Bytes</translation>
    </message>
    <message>
      <source>retained</source>
      <translation>retained</translation>
    </message>
  </context>
</TS>
