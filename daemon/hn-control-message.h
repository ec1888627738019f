#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * The control channel: a WebSocket from each room PC (endpoint) to the hub,
 * wss://HUB:CONTROL-PORT/api/v1/control (ws:// only with insecure=true on
 * both sides), subprotocol "hoinghi-control-2". Every frame is a text frame
 * holding one JSON object with a "type" member; members that a type does
 * not have are refused, as are binary frames and messages larger than
 * 64 KiB. The hub speaks first (challenge, a fresh nonce); the endpoint
 * answers hello with a proof (hn_secrets_compute_proof() of its token and
 * the nonce, so the token never crosses the wire and a captured hello is
 * worth nothing on another connection); the hub answers welcome, or closes
 * with 4001.
 *
 * "hoinghi-control-1", the protocol before challenges, is still spoken by
 * a hub with insecure=true, for old rooms and simulators in a lab: there
 * the endpoint speaks first, with a hello holding its token instead of a
 * proof, and there is no challenge.
 *
 * endpoint -> hub
 *   hello          {site, proof (or token), version, media: {video-rtp-port,
 *                   video-rtcp-port, audio-rtp-port, audio-rtcp-port,
 *                   video-ssrc, audio-ssrc}}
 *   stats          {stats: {NAME: number|true|false|null|"text", ...}} (flat, short)
 *   floor-request  {}
 *   floor-cancel   {}
 * hub -> endpoint
 *   challenge      {nonce}
 *   welcome        {site, hub-version}
 *   join           {meeting, title, media: {hub-rtp-port, hub-rtcp-port,
 *                   program-video-rtcp-port, program-audio-rtcp-port,
 *                   video-size ("640x360"), video-framerate, video-bitrate,
 *                   audio-bitrate}, srtp (absent: plain RTP): {program-key,
 *                   program-video-roc, program-audio-roc, return-key}}
 *                  (keys: base64 of 30 bytes, AES_CM_128_HMAC_SHA1_80
 *                  master key and salt; the program's for this meeting,
 *                  and the room's own for what it sends; never logged)
 *   leave          {meeting}
 *   floor          {meeting, site (a site id, or null: nobody)}
 *   mute           {meeting, muted}
 *   keyframe       {}
 */

#define HN_CONTROL_PATH "/api/v1/control"
#define HN_CONTROL_PROTOCOL "hoinghi-control-2"
#define HN_CONTROL_PROTOCOL_LEGACY "hoinghi-control-1"
#define HN_CONTROL_MAX_MESSAGE_SIZE (64 * 1024)

/* A stats message: at most this many members, names and strings at most
 * this many bytes */
#define HN_CONTROL_MAX_COUNTERS 32
#define HN_CONTROL_MAX_COUNTER_TEXT 64
/* Both ends ping this often (seconds); a peer silent for three intervals
 * is dropped */
#define HN_CONTROL_KEEPALIVE_INTERVAL 5

/**
 * HnControlCloseCode:
 * @HN_CONTROL_CLOSE_PROTOCOL: the peer broke the protocol (an invalid or
 *   unexpected message, a binary frame, no hello in time); the reason says
 *   how
 * @HN_CONTROL_CLOSE_AUTH_FAILED: unknown site, wrong proof or token, or a
 *   token where a proof is required ("authentication failed"; the hub does
 *   not say which)
 * @HN_CONTROL_CLOSE_REPLACED: a newer connection for the same site took over
 * @HN_CONTROL_CLOSE_TIMEOUT: nothing heard from the peer for three
 *   keepalive intervals
 *
 * The WebSocket close codes of hoinghi-control-1 (besides 1000 and 1001).
 */
typedef enum {
  HN_CONTROL_CLOSE_PROTOCOL = 4000,
  HN_CONTROL_CLOSE_AUTH_FAILED = 4001,
  HN_CONTROL_CLOSE_REPLACED = 4002,
  HN_CONTROL_CLOSE_TIMEOUT = 4003,
} HnControlCloseCode;

typedef enum {
  /* endpoint -> hub */
  HN_CONTROL_MESSAGE_HELLO,
  HN_CONTROL_MESSAGE_STATS,
  HN_CONTROL_MESSAGE_FLOOR_REQUEST,
  HN_CONTROL_MESSAGE_FLOOR_CANCEL,
  /* hub -> endpoint */
  HN_CONTROL_MESSAGE_CHALLENGE,
  HN_CONTROL_MESSAGE_WELCOME,
  HN_CONTROL_MESSAGE_JOIN,
  HN_CONTROL_MESSAGE_LEAVE,
  HN_CONTROL_MESSAGE_FLOOR,
  HN_CONTROL_MESSAGE_MUTE,
  HN_CONTROL_MESSAGE_KEYFRAME,
  HN_CONTROL_MESSAGE_LAST /*< skip >*/
} HnControlMessageType;

/**
 * HnControlHelloMedia:
 *
 * What an endpoint tells the hub in its hello: the UDP ports on which it
 * receives the program's video and audio (RTP, and RTCP), and the SSRCs of
 * the video and audio it sends back.
 */
typedef struct {
  guint video_rtp_port;  /* 1..65535 */
  guint video_rtcp_port; /* 1..65535 */
  guint audio_rtp_port;  /* 1..65535 */
  guint audio_rtcp_port; /* 1..65535 */
  guint32 video_ssrc;
  guint32 audio_ssrc; /* differs from video_ssrc */
} HnControlHelloMedia;

/* An SRTP master key and salt (AES_CM_128_HMAC_SHA1_80), in bytes */
#define HN_CONTROL_SRTP_KEY_SIZE 30

/**
 * HnControlJoinMedia:
 *
 * What the hub tells an endpoint that joins a meeting: where to send its
 * return legs, where to send RTCP about the program it receives, and what
 * to send.
 */
typedef struct {
  guint hub_rtp_port;            /* return-leg RTP (video and audio, by SSRC) */
  guint hub_rtcp_port;           /* return-leg RTCP */
  guint program_video_rtcp_port; /* receiver reports about the program video */
  guint program_audio_rtcp_port; /* receiver reports about the program audio */
  guint video_width;             /* even, 16..3840; "video-size" on the wire */
  guint video_height;            /* even, 16..2160 */
  guint video_framerate;         /* 1..60 */
  guint video_bitrate;           /* kbit/s, 64..20000 */
  guint audio_bitrate;           /* kbit/s, 6..510 */
  /* SRTP: "srtp" on the wire; all zero for plain RTP */
  gboolean srtp;
  guint8 program_key[HN_CONTROL_SRTP_KEY_SIZE]; /* the meeting's program */
  guint32 program_video_roc;                    /* rollover counters now, */
  guint32 program_audio_roc;                    /* for a room that joins late */
  guint8 return_key[HN_CONTROL_SRTP_KEY_SIZE];  /* this room's own return leg */
} HnControlJoinMedia;

const gchar *hn_control_message_type_to_string (HnControlMessageType type);
gboolean hn_control_message_type_from_string (const gchar *str, HnControlMessageType *type);
gboolean hn_control_message_type_is_from_endpoint (HnControlMessageType type);

/* building: the result is a JSON object node; values are checked when the
 * message is validated (hn_control_server_send() and hn_control_client_send()
 * do) */
JsonNode *hn_control_message_new (HnControlMessageType type) G_GNUC_WARN_UNUSED_RESULT;
JsonNode *hn_control_message_new_hello (const gchar *site,
                                        const gchar *proof,
                                        const gchar *version,
                                        const HnControlHelloMedia *media) G_GNUC_WARN_UNUSED_RESULT;
JsonNode *hn_control_message_new_stats (JsonObject *stats) G_GNUC_WARN_UNUSED_RESULT;
JsonNode *hn_control_message_new_challenge (const gchar *nonce) G_GNUC_WARN_UNUSED_RESULT;
JsonNode *hn_control_message_new_welcome (const gchar *site,
                                          const gchar *hub_version) G_GNUC_WARN_UNUSED_RESULT;
JsonNode *hn_control_message_new_join (const gchar *meeting,
                                       const gchar *title,
                                       const HnControlJoinMedia *media) G_GNUC_WARN_UNUSED_RESULT;
JsonNode *hn_control_message_new_leave (const gchar *meeting) G_GNUC_WARN_UNUSED_RESULT;
JsonNode *hn_control_message_new_floor (const gchar *meeting,
                                        const gchar *site) G_GNUC_WARN_UNUSED_RESULT;
JsonNode *hn_control_message_new_mute (const gchar *meeting,
                                       gboolean muted) G_GNUC_WARN_UNUSED_RESULT;

/* checking and (de)serialising */
gboolean hn_control_message_validate (JsonNode *message,
                                      HnControlMessageType *type,
                                      GError **error);
JsonNode *hn_control_message_parse (const gchar *text,
                                    gsize len,
                                    HnControlMessageType *type,
                                    GError **error) G_GNUC_WARN_UNUSED_RESULT;
gchar *hn_control_message_to_string (JsonNode *message) G_GNUC_WARN_UNUSED_RESULT;
gchar *hn_control_message_close_reason (const gchar *why) G_GNUC_WARN_UNUSED_RESULT;
void hn_control_log_site (GLogLevelFlags level, const gchar *site_id, const gchar *format, ...)
    G_GNUC_PRINTF (3, 4);

/* reading a validated message: each getter takes the types listed */
HnControlMessageType hn_control_message_peek_type (JsonNode *message);
const gchar *hn_control_message_get_site (JsonNode *message);    /* hello, welcome, floor */
const gchar *hn_control_message_get_meeting (JsonNode *message); /* join, leave, floor, mute */
const gchar *hn_control_message_get_version (JsonNode *message); /* hello, welcome */
const gchar *hn_control_message_get_token (JsonNode *message);   /* hello */
const gchar *hn_control_message_get_proof (JsonNode *message);   /* hello */
const gchar *hn_control_message_get_nonce (JsonNode *message);   /* challenge */
const gchar *hn_control_message_get_title (JsonNode *message);   /* join */
gboolean hn_control_message_get_muted (JsonNode *message);       /* mute */
JsonObject *hn_control_message_get_stats (JsonNode *message);    /* stats */
void hn_control_message_get_hello_media (JsonNode *message, HnControlHelloMedia *media);
void hn_control_message_get_join_media (JsonNode *message, HnControlJoinMedia *media);

G_END_DECLS
