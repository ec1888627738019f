/* The messages of the control channel (hoinghi-control-2, and -1 for old
 * rooms in a lab): building them,
 * and checking what arrives against one table per type before anything
 * reads it.
 *
 * A message is kept as the JsonNode it came in as; the table says which
 * members each type has and what each holds, so once a message has been
 * validated its readers need no checks of their own. Unknown members are
 * refused rather than ignored: a hub and an endpoint that disagree about
 * the protocol should find out at the first message, not in a meeting. */

#define G_LOG_DOMAIN "hoinghi-control"

#include "hn-control-message.h"

#include <string.h>

#include "hn-error.h"
#include "hn-site.h"
#include "hn-util.h"

typedef enum {
  KIND_STRING,          /* a non-empty string */
  KIND_TEXT,            /* any string */
  KIND_SITE_ID,         /* a valid site id */
  KIND_SITE_ID_OR_NULL, /* a valid site id or null */
  KIND_BOOLEAN,
  KIND_UINT,       /* an integer from min to max */
  KIND_COUNTERS,   /* a flat object of named scalars (hn_control_check_counters()) */
  KIND_NESTED,     /* an object of the members in nested */
  KIND_VIDEO_SIZE, /* "WIDTHxHEIGHT" */
  KIND_SRTP_KEY,   /* base64 of HN_CONTROL_SRTP_KEY_SIZE bytes */
} MemberKind;

typedef struct _Member Member;
struct _Member {
  const gchar *name;
  MemberKind kind;
  gint64 min;
  gint64 max;
  const Member *nested;
  gboolean optional;
};

#define PORT(n)                                                                                    \
  {                                                                                                \
    n, KIND_UINT, 1, 65535, NULL, FALSE                                                            \
  }
#define SSRC(n)                                                                                    \
  {                                                                                                \
    n, KIND_UINT, 0, G_MAXUINT32, NULL, FALSE                                                      \
  }

static const Member hello_media_members[] = {
  PORT ("video-rtp-port"),        PORT ("video-rtcp-port"), PORT ("audio-rtp-port"),
  PORT ("audio-rtcp-port"),       SSRC ("video-ssrc"),      SSRC ("audio-ssrc"),
  { NULL, 0, 0, 0, NULL, FALSE },
};

static const Member join_media_members[] = {
  PORT ("hub-rtp-port"),
  PORT ("hub-rtcp-port"),
  PORT ("program-video-rtcp-port"),
  PORT ("program-audio-rtcp-port"),
  { "video-size", KIND_VIDEO_SIZE, 0, 0, NULL, FALSE },
  /* the ranges of sites.conf */
  { "video-framerate", KIND_UINT, 1, 60, NULL, FALSE },
  { "video-bitrate", KIND_UINT, 64, 20000, NULL, FALSE },
  { "audio-bitrate", KIND_UINT, 6, 510, NULL, FALSE },
  { NULL, 0, 0, 0, NULL, FALSE },
};

/* a hello carries a proof (hoinghi-control-2) or, from an old room in a
 * lab, its token (hoinghi-control-1): exactly one of the two */
static const Member hello_members[] = {
  { "site", KIND_SITE_ID, 0, 0, NULL, FALSE },
  { "token", KIND_STRING, 0, 0, NULL, TRUE },
  { "proof", KIND_STRING, 0, 0, NULL, TRUE },
  { "version", KIND_STRING, 0, 0, NULL, FALSE },
  { "media", KIND_NESTED, 0, 0, hello_media_members, FALSE },
  { NULL, 0, 0, 0, NULL, FALSE },
};

static const Member stats_members[] = {
  { "stats", KIND_COUNTERS, 0, 0, NULL, FALSE },
  { NULL, 0, 0, 0, NULL, FALSE },
};

static const Member no_members[] = {
  { NULL, 0, 0, 0, NULL, FALSE },
};

static const Member challenge_members[] = {
  { "nonce", KIND_STRING, 0, 0, NULL, FALSE },
  { NULL, 0, 0, 0, NULL, FALSE },
};

static const Member welcome_members[] = {
  { "site", KIND_SITE_ID, 0, 0, NULL, FALSE },
  { "hub-version", KIND_STRING, 0, 0, NULL, FALSE },
  { NULL, 0, 0, 0, NULL, FALSE },
};

static const Member join_srtp_members[] = {
  { "program-key", KIND_SRTP_KEY, 0, 0, NULL, FALSE },
  { "program-video-roc", KIND_UINT, 0, G_MAXUINT32, NULL, FALSE },
  { "program-audio-roc", KIND_UINT, 0, G_MAXUINT32, NULL, FALSE },
  { "return-key", KIND_SRTP_KEY, 0, 0, NULL, FALSE },
  { NULL, 0, 0, 0, NULL, FALSE },
};

static const Member join_members[] = {
  { "meeting", KIND_STRING, 0, 0, NULL, FALSE },
  { "title", KIND_TEXT, 0, 0, NULL, FALSE },
  { "media", KIND_NESTED, 0, 0, join_media_members, FALSE },
  { "srtp", KIND_NESTED, 0, 0, join_srtp_members, TRUE },
  { NULL, 0, 0, 0, NULL, FALSE },
};

static const Member leave_members[] = {
  { "meeting", KIND_STRING, 0, 0, NULL, FALSE },
  { NULL, 0, 0, 0, NULL, FALSE },
};

static const Member floor_members[] = {
  { "meeting", KIND_STRING, 0, 0, NULL, FALSE },
  { "site", KIND_SITE_ID_OR_NULL, 0, 0, NULL, FALSE },
  { NULL, 0, 0, 0, NULL, FALSE },
};

static const Member mute_members[] = {
  { "meeting", KIND_STRING, 0, 0, NULL, FALSE },
  { "muted", KIND_BOOLEAN, 0, 0, NULL, FALSE },
  { NULL, 0, 0, 0, NULL, FALSE },
};

static const struct {
  const gchar *name;
  gboolean from_endpoint;
  const Member *members;
} types[] = {
  [HN_CONTROL_MESSAGE_HELLO] = { "hello", TRUE, hello_members },
  [HN_CONTROL_MESSAGE_STATS] = { "stats", TRUE, stats_members },
  [HN_CONTROL_MESSAGE_FLOOR_REQUEST] = { "floor-request", TRUE, no_members },
  [HN_CONTROL_MESSAGE_FLOOR_CANCEL] = { "floor-cancel", TRUE, no_members },
  [HN_CONTROL_MESSAGE_CHALLENGE] = { "challenge", FALSE, challenge_members },
  [HN_CONTROL_MESSAGE_WELCOME] = { "welcome", FALSE, welcome_members },
  [HN_CONTROL_MESSAGE_JOIN] = { "join", FALSE, join_members },
  [HN_CONTROL_MESSAGE_LEAVE] = { "leave", FALSE, leave_members },
  [HN_CONTROL_MESSAGE_FLOOR] = { "floor", FALSE, floor_members },
  [HN_CONTROL_MESSAGE_MUTE] = { "mute", FALSE, mute_members },
  [HN_CONTROL_MESSAGE_KEYFRAME] = { "keyframe", FALSE, no_members },
};

G_STATIC_ASSERT (G_N_ELEMENTS (types) == HN_CONTROL_MESSAGE_LAST);

const gchar *
hn_control_message_type_to_string (HnControlMessageType type)
{
  g_return_val_if_fail (type < HN_CONTROL_MESSAGE_LAST, NULL);
  return types[type].name;
}

gboolean
hn_control_message_type_from_string (const gchar *str, HnControlMessageType *type)
{
  g_return_val_if_fail (str != NULL, FALSE);

  for (guint i = 0; i < HN_CONTROL_MESSAGE_LAST; i++) {
    if (g_str_equal (str, types[i].name)) {
      if (type != NULL)
        *type = i;
      return TRUE;
    }
  }
  return FALSE;
}

/**
 * hn_control_message_type_is_from_endpoint:
 *
 * Returns: whether endpoints send messages of @type (hubs send the others)
 */
gboolean
hn_control_message_type_is_from_endpoint (HnControlMessageType type)
{
  g_return_val_if_fail (type < HN_CONTROL_MESSAGE_LAST, FALSE);
  return types[type].from_endpoint;
}

static gboolean
hn_control_parse_video_size (const gchar *text, guint *width, guint *height)
{
  g_auto (GStrv) wh = g_strsplit (text, "x", -1);
  guint w = 0, h = 0;

  if (g_strv_length (wh) != 2 || !hn_util_parse_uint (wh[0], 16, 3840, &w) ||
      !hn_util_parse_uint (wh[1], 16, 2160, &h) || w % 2 != 0 || h % 2 != 0)
    return FALSE;
  if (width != NULL)
    *width = w;
  if (height != NULL)
    *height = h;
  return TRUE;
}

/* Decodes a base64 SRTP key into @key (when not NULL); wipes what it
 * decoded, as the text is a secret */
static gboolean
hn_control_parse_key (const gchar *text, guint8 *key)
{
  g_autofree guchar *bytes = NULL;
  gsize len = 0;
  gboolean ok;

  /* g_base64_decode() accepts anything: the length says whether it was
   * a key (40 characters for 30 bytes) */
  if (strlen (text) != 40)
    return FALSE;
  bytes = g_base64_decode (text, &len);
  ok = len == HN_CONTROL_SRTP_KEY_SIZE;
  if (ok && key != NULL)
    memcpy (key, bytes, len);
  if (bytes != NULL)
    explicit_bzero (bytes, len);
  return ok;
}

/* ---- building ---- */

static JsonObject *
hn_control_object_new (HnControlMessageType type)
{
  JsonObject *obj = json_object_new ();

  json_object_set_string_member (obj, "type", types[type].name);
  return obj;
}

static JsonNode *
hn_control_node_take (JsonObject *obj)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, obj);
  return node;
}

/**
 * hn_control_message_new:
 * @type: a type without members: floor-request, floor-cancel or keyframe
 *
 * Returns: (transfer full): the message
 */
JsonNode *
hn_control_message_new (HnControlMessageType type)
{
  g_return_val_if_fail (type < HN_CONTROL_MESSAGE_LAST, NULL);
  g_return_val_if_fail (types[type].members == no_members, NULL);

  return hn_control_node_take (hn_control_object_new (type));
}

/**
 * hn_control_message_new_hello:
 * @proof: the answer to the hub's challenge (hn_secrets_compute_proof())
 *
 * Returns: (transfer full): a hello of hoinghi-control-2
 */
JsonNode *
hn_control_message_new_hello (const gchar *site,
                              const gchar *proof,
                              const gchar *version,
                              const HnControlHelloMedia *media)
{
  JsonObject *obj;
  JsonObject *m;

  g_return_val_if_fail (site != NULL, NULL);
  g_return_val_if_fail (proof != NULL, NULL);
  g_return_val_if_fail (version != NULL, NULL);
  g_return_val_if_fail (media != NULL, NULL);

  obj = hn_control_object_new (HN_CONTROL_MESSAGE_HELLO);
  json_object_set_string_member (obj, "site", site);
  json_object_set_string_member (obj, "proof", proof);
  json_object_set_string_member (obj, "version", version);
  m = json_object_new ();
  json_object_set_int_member (m, "video-rtp-port", media->video_rtp_port);
  json_object_set_int_member (m, "video-rtcp-port", media->video_rtcp_port);
  json_object_set_int_member (m, "audio-rtp-port", media->audio_rtp_port);
  json_object_set_int_member (m, "audio-rtcp-port", media->audio_rtcp_port);
  json_object_set_int_member (m, "video-ssrc", media->video_ssrc);
  json_object_set_int_member (m, "audio-ssrc", media->audio_ssrc);
  json_object_set_object_member (obj, "media", m);
  return hn_control_node_take (obj);
}

/**
 * hn_control_message_new_stats:
 * @stats: (transfer none): what the endpoint measured, a flat object of at
 *   most %HN_CONTROL_MAX_COUNTERS named numbers, booleans, nulls or short
 *   strings; passed to the hub's "message" handlers as it is
 */
JsonNode *
hn_control_message_new_stats (JsonObject *stats)
{
  JsonObject *obj;

  g_return_val_if_fail (stats != NULL, NULL);

  obj = hn_control_object_new (HN_CONTROL_MESSAGE_STATS);
  json_object_set_object_member (obj, "stats", json_object_ref (stats));
  return hn_control_node_take (obj);
}

JsonNode *
hn_control_message_new_challenge (const gchar *nonce)
{
  JsonObject *obj;

  g_return_val_if_fail (nonce != NULL, NULL);

  obj = hn_control_object_new (HN_CONTROL_MESSAGE_CHALLENGE);
  json_object_set_string_member (obj, "nonce", nonce);
  return hn_control_node_take (obj);
}

JsonNode *
hn_control_message_new_welcome (const gchar *site, const gchar *hub_version)
{
  JsonObject *obj;

  g_return_val_if_fail (site != NULL, NULL);
  g_return_val_if_fail (hub_version != NULL, NULL);

  obj = hn_control_object_new (HN_CONTROL_MESSAGE_WELCOME);
  json_object_set_string_member (obj, "site", site);
  json_object_set_string_member (obj, "hub-version", hub_version);
  return hn_control_node_take (obj);
}

JsonNode *
hn_control_message_new_join (const gchar *meeting,
                             const gchar *title,
                             const HnControlJoinMedia *media)
{
  g_autofree gchar *size = NULL;
  JsonObject *obj;
  JsonObject *m;

  g_return_val_if_fail (meeting != NULL, NULL);
  g_return_val_if_fail (title != NULL, NULL);
  g_return_val_if_fail (media != NULL, NULL);

  obj = hn_control_object_new (HN_CONTROL_MESSAGE_JOIN);
  json_object_set_string_member (obj, "meeting", meeting);
  json_object_set_string_member (obj, "title", title);
  m = json_object_new ();
  json_object_set_int_member (m, "hub-rtp-port", media->hub_rtp_port);
  json_object_set_int_member (m, "hub-rtcp-port", media->hub_rtcp_port);
  json_object_set_int_member (m, "program-video-rtcp-port", media->program_video_rtcp_port);
  json_object_set_int_member (m, "program-audio-rtcp-port", media->program_audio_rtcp_port);
  size = g_strdup_printf ("%ux%u", media->video_width, media->video_height);
  json_object_set_string_member (m, "video-size", size);
  json_object_set_int_member (m, "video-framerate", media->video_framerate);
  json_object_set_int_member (m, "video-bitrate", media->video_bitrate);
  json_object_set_int_member (m, "audio-bitrate", media->audio_bitrate);
  json_object_set_object_member (obj, "media", m);
  if (media->srtp) {
    JsonObject *k = json_object_new ();
    g_autofree gchar *program = g_base64_encode (media->program_key, HN_CONTROL_SRTP_KEY_SIZE);
    g_autofree gchar *back = g_base64_encode (media->return_key, HN_CONTROL_SRTP_KEY_SIZE);

    json_object_set_string_member (k, "program-key", program);
    json_object_set_int_member (k, "program-video-roc", media->program_video_roc);
    json_object_set_int_member (k, "program-audio-roc", media->program_audio_roc);
    json_object_set_string_member (k, "return-key", back);
    json_object_set_object_member (obj, "srtp", k);
    explicit_bzero (program, strlen (program));
    explicit_bzero (back, strlen (back));
  }
  return hn_control_node_take (obj);
}

JsonNode *
hn_control_message_new_leave (const gchar *meeting)
{
  JsonObject *obj;

  g_return_val_if_fail (meeting != NULL, NULL);

  obj = hn_control_object_new (HN_CONTROL_MESSAGE_LEAVE);
  json_object_set_string_member (obj, "meeting", meeting);
  return hn_control_node_take (obj);
}

/**
 * hn_control_message_new_floor:
 * @site: (nullable): the site that has the floor, or %NULL when nobody has
 */
JsonNode *
hn_control_message_new_floor (const gchar *meeting, const gchar *site)
{
  JsonObject *obj;

  g_return_val_if_fail (meeting != NULL, NULL);

  obj = hn_control_object_new (HN_CONTROL_MESSAGE_FLOOR);
  json_object_set_string_member (obj, "meeting", meeting);
  if (site != NULL)
    json_object_set_string_member (obj, "site", site);
  else
    json_object_set_null_member (obj, "site");
  return hn_control_node_take (obj);
}

JsonNode *
hn_control_message_new_mute (const gchar *meeting, gboolean muted)
{
  JsonObject *obj;

  g_return_val_if_fail (meeting != NULL, NULL);

  obj = hn_control_object_new (HN_CONTROL_MESSAGE_MUTE);
  json_object_set_string_member (obj, "meeting", meeting);
  json_object_set_boolean_member (obj, "muted", muted);
  return hn_control_node_take (obj);
}

/* ---- checking ---- */

static gboolean
hn_control_node_is (JsonNode *node, GType value_type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == value_type;
}

/* What a room measured (a stats message): the hub keeps the last one of
 * every room and serves it in the API, so it is bounded — a flat object of
 * a few named scalars, as the endpoint sends — rather than any JSON up to
 * the message size (147 rooms × 64 KiB in every GET /api/v1/sites). It
 * also keeps a message's text small when it is written again: a number
 * like 0.1 comes back as 0.10000000000000001 (found by
 * fuzz-control-message, whose round trip went over the 64 KiB limit). */
static gboolean
hn_control_check_counters (JsonNode *node)
{
  JsonObjectIter iter;
  const gchar *name;
  JsonNode *value;

  if (!JSON_NODE_HOLDS_OBJECT (node) ||
      json_object_get_size (json_node_get_object (node)) > HN_CONTROL_MAX_COUNTERS)
    return FALSE;
  json_object_iter_init (&iter, json_node_get_object (node));
  while (json_object_iter_next (&iter, &name, &value)) {
    if (strlen (name) > HN_CONTROL_MAX_COUNTER_TEXT)
      return FALSE;
    if (JSON_NODE_HOLDS_NULL (value))
      continue;
    if (!JSON_NODE_HOLDS_VALUE (value))
      return FALSE;
    if (json_node_get_value_type (value) == G_TYPE_STRING &&
        strlen (json_node_get_string (value)) > HN_CONTROL_MAX_COUNTER_TEXT)
      return FALSE;
  }
  return TRUE;
}

/* A member name as it may appear in an error: escaped and cut short, since
 * it comes from the peer and ends up in the journal. */
static gchar *
hn_control_quote_name (const gchar *name)
{
  g_autofree gchar *escaped = g_strescape (name, NULL);

  if (g_utf8_strlen (escaped, -1) > 40) {
    g_autofree gchar *cut = g_utf8_substring (escaped, 0, 40);

    return g_strdup_printf ("%s…", cut);
  }
  return g_steal_pointer (&escaped);
}

static gboolean hn_control_check_member (
    const gchar *type_name, const gchar *prefix, const Member *m, JsonNode *node, GError **error);

static gboolean
hn_control_check_object (const gchar *type_name,
                         const gchar *prefix,
                         const Member *members,
                         JsonObject *obj,
                         gboolean top,
                         GError **error)
{
  JsonObjectIter iter;
  const gchar *name;
  JsonNode *node;

  json_object_iter_init (&iter, obj);
  while (json_object_iter_next (&iter, &name, &node)) {
    gboolean known = top && g_str_equal (name, "type");

    for (const Member *m = members; !known && m->name != NULL; m++)
      known = g_str_equal (m->name, name);
    if (!known) {
      g_autofree gchar *quoted = hn_control_quote_name (name);

      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                   "'%s' message: unknown member '%s%s'", type_name, prefix, quoted);
      return FALSE;
    }
  }
  for (const Member *m = members; m->name != NULL; m++) {
    node = json_object_get_member (obj, m->name);
    if (node == NULL && m->optional)
      continue;
    if (node == NULL) {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                   "'%s' message: missing member '%s%s'", type_name, prefix, m->name);
      return FALSE;
    }
    if (!hn_control_check_member (type_name, prefix, m, node, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
hn_control_check_member (
    const gchar *type_name, const gchar *prefix, const Member *m, JsonNode *node, GError **error)
{
  const gchar *what = NULL;

  switch (m->kind) {
  case KIND_STRING:
    if (!hn_control_node_is (node, G_TYPE_STRING) || *json_node_get_string (node) == '\0')
      what = "a non-empty string";
    break;
  case KIND_TEXT:
    if (!hn_control_node_is (node, G_TYPE_STRING))
      what = "a string";
    break;
  case KIND_SITE_ID:
    if (!hn_control_node_is (node, G_TYPE_STRING) ||
        !hn_site_id_is_valid (json_node_get_string (node)))
      what = "a site id (lowercase letters, digits and '-')";
    break;
  case KIND_SITE_ID_OR_NULL:
    if (!JSON_NODE_HOLDS_NULL (node) && (!hn_control_node_is (node, G_TYPE_STRING) ||
                                         !hn_site_id_is_valid (json_node_get_string (node))))
      what = "a site id or null";
    break;
  case KIND_BOOLEAN:
    if (!hn_control_node_is (node, G_TYPE_BOOLEAN))
      what = "true or false";
    break;
  case KIND_UINT:
    if (!hn_control_node_is (node, G_TYPE_INT64) || json_node_get_int (node) < m->min ||
        json_node_get_int (node) > m->max) {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                   "'%s' message: member '%s%s' must be an integer from %" G_GINT64_FORMAT
                   " to %" G_GINT64_FORMAT,
                   type_name, prefix, m->name, m->min, m->max);
      return FALSE;
    }
    break;
  case KIND_COUNTERS:
    if (!hn_control_check_counters (node))
      what = "an object of at most " G_STRINGIFY (HN_CONTROL_MAX_COUNTERS) " members, each a number, "
                                   "true, false, null or a string of at most " G_STRINGIFY (
                 HN_CONTROL_MAX_COUNTER_TEXT) " bytes";
    break;
  case KIND_NESTED:
    if (!JSON_NODE_HOLDS_OBJECT (node)) {
      what = "an object";
    } else {
      g_autofree gchar *nested_prefix = g_strconcat (prefix, m->name, ".", NULL);

      return hn_control_check_object (type_name, nested_prefix, m->nested,
                                      json_node_get_object (node), FALSE, error);
    }
    break;
  case KIND_VIDEO_SIZE:
    if (!hn_control_node_is (node, G_TYPE_STRING) ||
        !hn_control_parse_video_size (json_node_get_string (node), NULL, NULL))
      what = "WIDTHxHEIGHT with even numbers, 16..3840 by 16..2160";
    break;
  case KIND_SRTP_KEY:
    if (!hn_control_node_is (node, G_TYPE_STRING) ||
        !hn_control_parse_key (json_node_get_string (node), NULL))
      what = "the base64 of a 30-byte SRTP key";
    break;
  default:
    g_assert_not_reached ();
  }
  if (what != NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "'%s' message: member '%s%s' must be %s", type_name, prefix, m->name, what);
    return FALSE;
  }
  return TRUE;
}

/**
 * hn_control_message_validate:
 * @type: (out) (optional): the message's type
 *
 * Checks @message against the protocol: an object whose "type" is known,
 * with exactly the members of that type, each of the right kind and range.
 *
 * Returns: %FALSE with an HN_ERROR_INVALID_ARGUMENT error saying what is
 *   wrong
 */
gboolean
hn_control_message_validate (JsonNode *message, HnControlMessageType *type, GError **error)
{
  JsonObject *obj;
  JsonNode *type_node;
  HnControlMessageType t;

  g_return_val_if_fail (message != NULL, FALSE);

  if (!JSON_NODE_HOLDS_OBJECT (message)) {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                         "a message must be a JSON object");
    return FALSE;
  }
  obj = json_node_get_object (message);
  type_node = json_object_get_member (obj, "type");
  if (type_node == NULL || !hn_control_node_is (type_node, G_TYPE_STRING)) {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                         "a message must have a string member 'type'");
    return FALSE;
  }
  if (!hn_control_message_type_from_string (json_node_get_string (type_node), &t)) {
    g_autofree gchar *quoted = hn_control_quote_name (json_node_get_string (type_node));

    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "unknown message type '%s'", quoted);
    return FALSE;
  }
  if (!hn_control_check_object (types[t].name, "", types[t].members, obj, TRUE, error))
    return FALSE;

  if (t == HN_CONTROL_MESSAGE_HELLO) {
    HnControlHelloMedia media;

    hn_control_message_get_hello_media (message, &media);
    if (json_object_has_member (obj, "token") == json_object_has_member (obj, "proof")) {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                           "'hello' message: exactly one of the members 'proof' and 'token' "
                           "is required");
      return FALSE;
    }
    if (media.video_ssrc == media.audio_ssrc) {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                           "'hello' message: media.video-ssrc and media.audio-ssrc must differ");
      return FALSE;
    }
  }
  if (type != NULL)
    *type = t;
  return TRUE;
}

/**
 * hn_control_message_parse:
 * @text: a text frame as received, not necessarily NUL-terminated
 * @len: its length in bytes
 * @type: (out) (optional): the message's type
 *
 * Parses and validates one message. Errors: HN_ERROR_PAYLOAD_TOO_LARGE
 * above HN_CONTROL_MAX_MESSAGE_SIZE, HN_ERROR_INVALID_ARGUMENT for
 * anything else.
 *
 * Returns: (transfer full): the message
 */
JsonNode *
hn_control_message_parse (const gchar *text, gsize len, HnControlMessageType *type, GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (text != NULL || len == 0, NULL);

  if (len > HN_CONTROL_MAX_MESSAGE_SIZE) {
    g_set_error (error, HN_ERROR, HN_ERROR_PAYLOAD_TOO_LARGE,
                 "message of %" G_GSIZE_FORMAT " bytes is larger than %d", len,
                 HN_CONTROL_MAX_MESSAGE_SIZE);
    return NULL;
  }
  if (!hn_util_parse_json (len > 0 ? text : "", len, &root, &local_error)) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "invalid JSON: %s",
                 local_error->message);
    return NULL;
  }
  if (root == NULL) {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "empty message");
    return NULL;
  }
  if (!hn_control_message_validate (root, type, error))
    return NULL;
  return g_steal_pointer (&root);
}

/**
 * hn_control_message_to_string:
 *
 * Returns: (transfer full): @message as compact JSON text
 */
gchar *
hn_control_message_to_string (JsonNode *message)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();

  g_return_val_if_fail (message != NULL, NULL);

  json_generator_set_root (gen, message);
  return json_generator_to_data (gen, NULL);
}

/**
 * hn_control_message_close_reason:
 *
 * Returns: (transfer full): @why cut, at a character boundary, to the 123
 *   bytes that a WebSocket close frame has room for (libsoup would cut it
 *   anywhere, and a peer refuses a reason that is not UTF-8)
 */
gchar *
hn_control_message_close_reason (const gchar *why)
{
  const gchar *end = why;

  g_return_val_if_fail (why != NULL, NULL);

  while (*end != '\0') {
    const gchar *next = g_utf8_next_char (end);

    if (next - why > 123)
      break;
    end = next;
  }
  return g_strndup (why, end - why);
}

/**
 * hn_control_log_site:
 * @site_id: the site the message is about, logged as the SITE_ID journal
 *   field so that `journalctl SITE_ID=xa-dao-tru` shows its comings and
 *   goings
 *
 * Logs in the "hoinghi-control" domain.
 */
void
hn_control_log_site (GLogLevelFlags level, const gchar *site_id, const gchar *format, ...)
{
  g_autofree gchar *text = NULL;
  va_list args;

  g_return_if_fail (site_id != NULL);

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_log_structured (G_LOG_DOMAIN, level, "SITE_ID", site_id, "MESSAGE", "%s", text);
}

/* ---- reading validated messages ---- */

/**
 * hn_control_message_peek_type:
 *
 * Returns: the type of a validated message (HN_CONTROL_MESSAGE_LAST for
 *   anything else)
 */
HnControlMessageType
hn_control_message_peek_type (JsonNode *message)
{
  JsonObject *obj;
  JsonNode *type_node;
  HnControlMessageType type;

  g_return_val_if_fail (message != NULL, HN_CONTROL_MESSAGE_LAST);

  if (!JSON_NODE_HOLDS_OBJECT (message))
    return HN_CONTROL_MESSAGE_LAST;
  obj = json_node_get_object (message);
  type_node = json_object_get_member (obj, "type");
  if (type_node == NULL || !hn_control_node_is (type_node, G_TYPE_STRING) ||
      !hn_control_message_type_from_string (json_node_get_string (type_node), &type))
    return HN_CONTROL_MESSAGE_LAST;
  return type;
}

#define BIT(t) (1u << HN_CONTROL_MESSAGE_##t)

/* The object of @message, when its type is one of those in @mask. */
static JsonObject *
hn_control_message_object (JsonNode *message, guint mask)
{
  HnControlMessageType type = hn_control_message_peek_type (message);

  g_return_val_if_fail (type < HN_CONTROL_MESSAGE_LAST && (mask & (1u << type)) != 0, NULL);
  return json_node_get_object (message);
}

/**
 * hn_control_message_get_site:
 *
 * Returns: (nullable): the site of a hello, welcome or floor message;
 *   %NULL for a floor that nobody holds
 */
const gchar *
hn_control_message_get_site (JsonNode *message)
{
  JsonObject *obj = hn_control_message_object (message, BIT (HELLO) | BIT (WELCOME) | BIT (FLOOR));

  if (obj == NULL || json_object_get_null_member (obj, "site"))
    return NULL;
  return json_object_get_string_member (obj, "site");
}

const gchar *
hn_control_message_get_meeting (JsonNode *message)
{
  JsonObject *obj =
      hn_control_message_object (message, BIT (JOIN) | BIT (LEAVE) | BIT (FLOOR) | BIT (MUTE));

  return obj != NULL ? json_object_get_string_member (obj, "meeting") : NULL;
}

/**
 * hn_control_message_get_version:
 *
 * Returns: the software version of the sender of a hello ("version") or a
 *   welcome ("hub-version")
 */
const gchar *
hn_control_message_get_version (JsonNode *message)
{
  JsonObject *obj = hn_control_message_object (message, BIT (HELLO) | BIT (WELCOME));

  if (obj == NULL)
    return NULL;
  return json_object_get_string_member (
      obj, hn_control_message_peek_type (message) == HN_CONTROL_MESSAGE_HELLO ? "version"
                                                                              : "hub-version");
}

/**
 * hn_control_message_get_token:
 *
 * Returns: (nullable): the token of an old room's hello, %NULL in a hello
 *   with a proof
 */
const gchar *
hn_control_message_get_token (JsonNode *message)
{
  JsonObject *obj = hn_control_message_object (message, BIT (HELLO));

  return obj != NULL ? json_object_get_string_member_with_default (obj, "token", NULL) : NULL;
}

/**
 * hn_control_message_get_proof:
 *
 * Returns: (nullable): the proof of a hello, %NULL in an old room's hello
 */
const gchar *
hn_control_message_get_proof (JsonNode *message)
{
  JsonObject *obj = hn_control_message_object (message, BIT (HELLO));

  return obj != NULL ? json_object_get_string_member_with_default (obj, "proof", NULL) : NULL;
}

const gchar *
hn_control_message_get_nonce (JsonNode *message)
{
  JsonObject *obj = hn_control_message_object (message, BIT (CHALLENGE));

  return obj != NULL ? json_object_get_string_member (obj, "nonce") : NULL;
}

const gchar *
hn_control_message_get_title (JsonNode *message)
{
  JsonObject *obj = hn_control_message_object (message, BIT (JOIN));

  return obj != NULL ? json_object_get_string_member (obj, "title") : NULL;
}

gboolean
hn_control_message_get_muted (JsonNode *message)
{
  JsonObject *obj = hn_control_message_object (message, BIT (MUTE));

  return obj != NULL ? json_object_get_boolean_member (obj, "muted") : FALSE;
}

/**
 * hn_control_message_get_stats:
 *
 * Returns: (transfer none): the "stats" object of a stats message
 */
JsonObject *
hn_control_message_get_stats (JsonNode *message)
{
  JsonObject *obj = hn_control_message_object (message, BIT (STATS));

  return obj != NULL ? json_object_get_object_member (obj, "stats") : NULL;
}

void
hn_control_message_get_hello_media (JsonNode *message, HnControlHelloMedia *media)
{
  JsonObject *obj = hn_control_message_object (message, BIT (HELLO));
  JsonObject *m;

  g_return_if_fail (media != NULL);

  memset (media, 0, sizeof *media);
  if (obj == NULL)
    return;
  m = json_object_get_object_member (obj, "media");
  media->video_rtp_port = json_object_get_int_member (m, "video-rtp-port");
  media->video_rtcp_port = json_object_get_int_member (m, "video-rtcp-port");
  media->audio_rtp_port = json_object_get_int_member (m, "audio-rtp-port");
  media->audio_rtcp_port = json_object_get_int_member (m, "audio-rtcp-port");
  media->video_ssrc = json_object_get_int_member (m, "video-ssrc");
  media->audio_ssrc = json_object_get_int_member (m, "audio-ssrc");
}

void
hn_control_message_get_join_media (JsonNode *message, HnControlJoinMedia *media)
{
  JsonObject *obj = hn_control_message_object (message, BIT (JOIN));
  JsonObject *m;

  g_return_if_fail (media != NULL);

  memset (media, 0, sizeof *media);
  if (obj == NULL)
    return;
  m = json_object_get_object_member (obj, "media");
  media->hub_rtp_port = json_object_get_int_member (m, "hub-rtp-port");
  media->hub_rtcp_port = json_object_get_int_member (m, "hub-rtcp-port");
  media->program_video_rtcp_port = json_object_get_int_member (m, "program-video-rtcp-port");
  media->program_audio_rtcp_port = json_object_get_int_member (m, "program-audio-rtcp-port");
  hn_control_parse_video_size (json_object_get_string_member (m, "video-size"), &media->video_width,
                               &media->video_height);
  media->video_framerate = json_object_get_int_member (m, "video-framerate");
  media->video_bitrate = json_object_get_int_member (m, "video-bitrate");
  media->audio_bitrate = json_object_get_int_member (m, "audio-bitrate");
  if (json_object_has_member (obj, "srtp")) {
    JsonObject *k = json_object_get_object_member (obj, "srtp");

    media->srtp = TRUE;
    hn_control_parse_key (json_object_get_string_member (k, "program-key"), media->program_key);
    hn_control_parse_key (json_object_get_string_member (k, "return-key"), media->return_key);
    media->program_video_roc = json_object_get_int_member (k, "program-video-roc");
    media->program_audio_roc = json_object_get_int_member (k, "program-audio-roc");
  }
}
