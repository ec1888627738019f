/* HnHub: the provincial hub's role. It keeps the rooms' control channels
 * (HnControlServer), the one receiver of every room's return feed
 * (HnReturnReceiver) and the running meetings; for each meeting it runs a
 * program (HnProgram) fed by the chair's source (HnFeed) and by the rooms
 * that are seen or heard.
 *
 * A room takes part in a meeting's media once it is both a participant
 * and online: it is then "joined" — told where to send its feed, given a
 * return leg and added to the program's fan-out. A room that drops is
 * un-joined without touching the meeting, and joined again, without any
 * operator action, as soon as its endpoint is back.
 *
 * What is decoded follows the meeting's state (HnMeeting::changed): the
 * sites the layout shows and the one that is heard get one of the program's
 * four slots; every other leg is only counted.
 *
 * Link health: four times a second the hub reads every joined room's
 * return-leg counters (and once a second their loss, jitter and bitrate,
 * and the room's receiver reports about the program) into HnLinkHealth,
 * whose state changes go to the journal and to HnHub::event. */

#define G_LOG_DOMAIN "hoinghi-hub"

#include "hn-hub.h"

#include <gio/gio.h>
#include <string.h>
#include <glib/gstdio.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "hn-build-config.h"
#include "hn-control-message.h"
#include "hn-control-server.h"
#include "hn-error.h"
#include "hn-feed.h"
#include "hn-media.h"
#include "hn-meeting-record.h"
#include "hn-program.h"
#include "hn-return-receiver.h"
#include "hn-scheduler.h"
#include "hn-secrets.h"
#include "hn-site-selector.h"
#include "hn-util.h"

typedef struct {
  HnHub *hub; /* unowned */
  HnMeeting *meeting;
  HnProgram *program;
  HnFeed *feed;
  gchar *slot_site[HN_PROGRAM_SLOTS];
  gchar *monitor; /* "HOST:PORT" */
  gchar *monitor_host;
  guint monitor_port;
  GHashTable *joined; /* site id -> NULL */
  gulong changed_id;
  gint64 started_us; /* wall clock, kept across restarts */
} HnHubMeeting;

/* A joined room's counters at one sample, for rates and loss */
typedef struct {
  guint64 packets;
  guint64 bytes;
  gint64 lost;
  gint64 when_us;
  guint32 report_seq[2]; /* the room's last receiver reports, video and audio */
  gint32 report_lost[2]; /* and the losses they count */
} HnHubCounters;

/* Loss is measured over the last [hub] loss-window samples (15 s by
 * default, one sample a second): a commune's link
 * carries 50-100 packets a second, and over one second a few lost packets
 * would swing the figure by several percent */

#define HN_HUB_TICK_MS 250
#define HN_HUB_TICKS_PER_SAMPLE 4

struct _HnHub {
  GObject parent_instance;

  HnConfig *config;
  gchar *state_dir;
  HnSecrets *secrets;
  HnControlServer *control;
  gchar *control_fingerprint; /* of the wss certificate; NULL: insecure */
  gboolean insecure;          /* [hub] insecure=true at start: plain ws and RTP */
  HnReturnReceiver *receiver;
  GHashTable *meetings;     /* id -> HnHubMeeting */
  GPtrArray *meeting_order; /* of HnHubMeeting, start order */
  GHashTable *site_meeting; /* site id -> HnHubMeeting (unowned) */
  HnLinkHealth *health;
  GHashTable *counters;       /* site id -> GArray of HnHubCounters, oldest first */
  GHashTable *endpoint_stats; /* site id -> JsonNode, what the room says it plays */
  guint tick_id;
  guint ticks;
  guint trim_id;
  HnScheduler *scheduler;
  gchar *schedule_state;
  guint schedule_id;
  gchar *running_state; /* running-meetings.json */
  /* shutting down: the meetings stop, but they are still the ones to
   * resume at the next start, and not over for the schedule either */
  gboolean closing;
};

G_DEFINE_FINAL_TYPE (HnHub, hn_hub, G_TYPE_OBJECT)

enum { SIGNAL_CHANGED, SIGNAL_EVENT, N_SIGNALS };

static guint signals[N_SIGNALS];

static void hn_hub_meeting_leave (HnHubMeeting *hm, const gchar *site_id, gboolean tell);
static void hn_hub_meeting_apply (HnHubMeeting *hm);
static HnHubMeeting *hn_hub_start_sites (HnHub *self,
                                         const HnMeetingRequest *request,
                                         GPtrArray *sites,
                                         GError **error);

static void
hn_hub_meeting_free (HnHubMeeting *hm)
{
  g_clear_signal_handler (&hm->changed_id, hm->meeting);
  if (hm->feed != NULL)
    hn_feed_stop (hm->feed);
  g_clear_object (&hm->feed);
  g_clear_object (&hm->program);
  g_clear_object (&hm->meeting);
  for (guint i = 0; i < HN_PROGRAM_SLOTS; i++)
    g_free (hm->slot_site[i]);
  g_hash_table_unref (hm->joined);
  g_free (hm->monitor);
  g_free (hm->monitor_host);
  g_free (hm);
}

static void
hn_hub_dispose (GObject *object)
{
  HnHub *self = HN_HUB (object);

  hn_hub_close (self);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->trim_id, g_source_remove);
  g_clear_handle_id (&self->schedule_id, g_source_remove);
  g_clear_object (&self->scheduler);
  g_clear_object (&self->health);
  g_clear_object (&self->receiver);
  g_clear_object (&self->control);
  g_clear_object (&self->secrets);
  g_clear_object (&self->config);

  G_OBJECT_CLASS (hn_hub_parent_class)->dispose (object);
}

static void
hn_hub_finalize (GObject *object)
{
  HnHub *self = HN_HUB (object);

  g_free (self->state_dir);
  g_free (self->schedule_state);
  g_free (self->running_state);
  g_free (self->control_fingerprint);
  g_hash_table_unref (self->site_meeting);
  g_hash_table_unref (self->counters);
  g_hash_table_unref (self->endpoint_stats);
  g_ptr_array_unref (self->meeting_order);
  g_hash_table_unref (self->meetings);

  G_OBJECT_CLASS (hn_hub_parent_class)->finalize (object);
}

static void
hn_hub_class_init (HnHubClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hn_hub_dispose;
  object_class->finalize = hn_hub_finalize;

  /**
   * HnHub::changed:
   *
   * A meeting started or stopped, or a room came online or went offline:
   * the one-line status changed.
   */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * HnHub::event:
   * @kind: "link", "floor", "meeting-started" or "meeting-stopped"
   * @data: (transfer none): what happened, as the API's events show it
   *
   * Something operators follow happened (for /api/v1/events).
   */
  signals[SIGNAL_EVENT] =
      g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 2, G_TYPE_STRING, JSON_TYPE_NODE);
}

static void
hn_hub_init (HnHub *self)
{
  self->meetings = g_hash_table_new (g_str_hash, g_str_equal);
  self->meeting_order = g_ptr_array_new_with_free_func ((GDestroyNotify) hn_hub_meeting_free);
  self->site_meeting = g_hash_table_new (g_str_hash, g_str_equal);
  self->health = hn_link_health_new ();
  self->counters =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
  self->endpoint_stats =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) json_node_unref);
}

static void
hn_hub_emit_changed (HnHub *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
hn_hub_emit_event (HnHub *self, const gchar *kind, JsonBuilder *b)
{
  g_autoptr (JsonNode) data = json_builder_get_root (b);

  g_signal_emit (self, signals[SIGNAL_EVENT], 0, kind, data);
}

static void
hn_hub_emit_meeting_event (HnHub *self,
                           const gchar *kind,
                           const gchar *meeting_id,
                           const gchar *site)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "meeting");
  json_builder_add_string_value (b, meeting_id);
  if (g_str_equal (kind, "floor")) {
    json_builder_set_member_name (b, "site");
    if (site != NULL)
      json_builder_add_string_value (b, site);
    else
      json_builder_add_null_value (b);
  }
  json_builder_end_object (b);
  hn_hub_emit_event (self, kind, b);
}

/* --- joining rooms to a meeting's media --- */

static void
hn_hub_meeting_join (HnHubMeeting *hm, const gchar *site_id)
{
  HnHub *self = hm->hub;
  const HnControlHelloMedia *hello = hn_control_server_get_hello_media (self->control, site_id);
  const gchar *host = hn_control_server_get_address (self->control, site_id);
  /* the running configuration's settings: after a reload they may be
   * newer than those the meeting was started with */
  HnSite *site = hn_meeting_has_site (hm->meeting, site_id)
                     ? hn_config_get_site (self->config, site_id)
                     : NULL;
  const HnMediaSettings *media;
  HnControlJoinMedia join = { 0 };
  g_autoptr (JsonNode) message = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) return_key = NULL;

  if (hello == NULL || host == NULL || site == NULL || g_hash_table_contains (hm->joined, site_id))
    return;

  /* the room's own key for what it sends, new at every join: no room can
   * forge another's feed, and a leg never reuses a keystream */
  if (!self->insecure) {
    return_key = hn_secrets_random_bytes (HN_MEDIA_SRTP_KEY_SIZE, &error);
    if (return_key == NULL) {
      g_warning ("meeting %s: cannot join %s: %s", hn_meeting_get_id (hm->meeting), site_id,
                 error->message);
      return;
    }
  }
  if (!hn_return_receiver_add_leg (self->receiver, site_id, host, hello->video_ssrc,
                                   hello->audio_ssrc, hello->video_rtcp_port,
                                   hello->audio_rtcp_port, return_key, &error)) {
    g_warning ("meeting %s: cannot join %s: %s", hn_meeting_get_id (hm->meeting), site_id,
               error->message);
    return;
  }
  if (!hn_program_add_destination (hm->program, site_id, host, hello->video_rtp_port,
                                   hello->video_rtcp_port, hello->audio_rtp_port,
                                   hello->audio_rtcp_port, &error)) {
    hn_return_receiver_remove_leg (self->receiver, site_id);
    g_warning ("meeting %s: cannot join %s: %s", hn_meeting_get_id (hm->meeting), site_id,
               error->message);
    return;
  }

  media = hn_site_get_media (site);
  hn_return_receiver_get_ports (self->receiver, &join.hub_rtp_port, &join.hub_rtcp_port);
  hn_program_get_rtcp_ports (hm->program, &join.program_video_rtcp_port,
                             &join.program_audio_rtcp_port);
  join.video_width = media->video_width;
  join.video_height = media->video_height;
  join.video_framerate = media->video_framerate;
  join.video_bitrate = media->video_bitrate;
  join.audio_bitrate = media->audio_bitrate;
  if (return_key != NULL) {
    join.srtp = TRUE;
    hn_program_get_srtp_key (hm->program, join.program_key);
    hn_program_get_srtp_rocs (hm->program, &join.program_video_roc, &join.program_audio_roc);
    memcpy (join.return_key, g_bytes_get_data (return_key, NULL), HN_CONTROL_SRTP_KEY_SIZE);
  }
  message = hn_control_message_new_join (hn_meeting_get_id (hm->meeting),
                                         hn_meeting_get_title (hm->meeting), &join);
  explicit_bzero (&join, sizeof join);
  if (!hn_control_server_send (self->control, site_id, message, &error)) {
    hn_program_remove_destination (hm->program, site_id);
    hn_return_receiver_remove_leg (self->receiver, site_id);
    g_warning ("meeting %s: cannot join %s: %s", hn_meeting_get_id (hm->meeting), site_id,
               error->message);
    return;
  }
  g_hash_table_add (hm->joined, g_strdup (site_id));
  g_hash_table_remove (self->counters, site_id);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "SITE_ID", site_id, "MEETING_ID",
                    hn_meeting_get_id (hm->meeting), "MESSAGE", "%s joined meeting %s from %s",
                    site_id, hn_meeting_get_id (hm->meeting), host);
  if (hn_meeting_is_muted (hm->meeting, site_id)) {
    g_autoptr (JsonNode) mute = hn_control_message_new_mute (hn_meeting_get_id (hm->meeting), TRUE);

    hn_control_server_send (self->control, site_id, mute, NULL);
  }
  hn_hub_meeting_apply (hm);
}

/* @tell: send "leave" (the room is online and goes back to standby) */
static void
hn_hub_meeting_leave (HnHubMeeting *hm, const gchar *site_id, gboolean tell)
{
  HnHub *self = hm->hub;

  if (!g_hash_table_contains (hm->joined, site_id))
    return;
  for (guint i = 0; i < HN_PROGRAM_SLOTS; i++) {
    if (g_strcmp0 (hm->slot_site[i], site_id) == 0)
      g_clear_pointer (&hm->slot_site[i], g_free);
  }
  hn_program_remove_destination (hm->program, site_id);
  hn_return_receiver_remove_leg (self->receiver, site_id);
  g_hash_table_remove (hm->joined, site_id);
  if (tell && hn_control_server_is_online (self->control, site_id)) {
    g_autoptr (JsonNode) message = hn_control_message_new_leave (hn_meeting_get_id (hm->meeting));

    hn_control_server_send (self->control, site_id, message, NULL);
  }
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "SITE_ID", site_id, "MEETING_ID",
                    hn_meeting_get_id (hm->meeting), "MESSAGE", "%s left meeting %s", site_id,
                    hn_meeting_get_id (hm->meeting));
}

/* --- what the program shows and mixes --- */

static gint
hn_hub_meeting_slot_of (HnHubMeeting *hm, const gchar *site_id)
{
  for (guint i = 0; i < HN_PROGRAM_SLOTS; i++) {
    if (g_strcmp0 (hm->slot_site[i], site_id) == 0)
      return i;
  }
  return -1;
}

/* Gives a slot to every joined site that is shown or heard, keeping the
 * slots of those that stay, so a site already on screen is not decoded
 * anew; then routes the legs and lays the program out. */
static void
hn_hub_meeting_apply (HnHubMeeting *hm)
{
  HnHub *self = hm->hub;
  const HnProgramFormat *format = hn_config_get_program_format (self->config);
  g_autoptr (GArray) cells = hn_meeting_compute_layout (hm->meeting, format->width, format->height);
  g_autoptr (GPtrArray) audible = hn_meeting_get_audible (hm->meeting);
  g_autoptr (GPtrArray) needed = g_ptr_array_new ();
  gboolean fresh[HN_PROGRAM_SLOTS] = { FALSE };

  for (guint i = 0; i < cells->len; i++) {
    const gchar *id = g_array_index (cells, HnLayoutCell, i).site_id;

    if (id != NULL && g_hash_table_contains (hm->joined, id))
      g_ptr_array_add (needed, (gpointer) id);
  }
  for (guint i = 0; i < audible->len; i++) {
    const gchar *id = audible->pdata[i];

    if (g_hash_table_contains (hm->joined, id) &&
        !g_ptr_array_find_with_equal_func (needed, id, g_str_equal, NULL))
      g_ptr_array_add (needed, (gpointer) id);
  }

  /* free the slots of sites no longer needed */
  for (guint i = 0; i < HN_PROGRAM_SLOTS; i++) {
    if (hm->slot_site[i] == NULL ||
        g_ptr_array_find_with_equal_func (needed, hm->slot_site[i], g_str_equal, NULL))
      continue;
    hn_return_receiver_route (self->receiver, hm->slot_site[i], HN_LEG_VIDEO, NULL, NULL);
    hn_return_receiver_route (self->receiver, hm->slot_site[i], HN_LEG_AUDIO, NULL, NULL);
    g_clear_pointer (&hm->slot_site[i], g_free);
  }
  /* give free slots to new ones */
  for (guint n = 0; n < needed->len; n++) {
    const gchar *id = needed->pdata[n];

    if (hn_hub_meeting_slot_of (hm, id) >= 0)
      continue;
    for (guint i = 0; i < HN_PROGRAM_SLOTS; i++) {
      if (hm->slot_site[i] == NULL) {
        hm->slot_site[i] = g_strdup (id);
        fresh[i] = TRUE;
        break;
      }
    }
  }

  /* route every slot's legs: video always, audio if heard */
  for (guint i = 0; i < HN_PROGRAM_SLOTS; i++) {
    const gchar *id = hm->slot_site[i];
    gboolean heard;
    g_autoptr (GError) error = NULL;

    if (id == NULL)
      continue;
    heard = g_ptr_array_find_with_equal_func (audible, id, g_str_equal, NULL);
    if (!hn_return_receiver_route (self->receiver, id, HN_LEG_VIDEO,
                                   hn_program_get_slot_video_channel (hm->program, i), &error) ||
        !hn_return_receiver_route (
            self->receiver, id, HN_LEG_AUDIO,
            heard ? hn_program_get_slot_audio_channel (hm->program, i) : NULL, &error))
      g_warning ("meeting %s: %s: %s, ignoring", hn_meeting_get_id (hm->meeting), id,
                 error->message);
    if (fresh[i]) {
      /* the room's encoder also gets the request over the control channel,
       * which gets through where RTCP is filtered */
      g_autoptr (JsonNode) keyframe = hn_control_message_new (HN_CONTROL_MESSAGE_KEYFRAME);

      hn_control_server_send (self->control, id, keyframe, NULL);
    }
  }

  /* lay the program out */
  hn_program_hide_all (hm->program);
  for (guint i = 0; i < cells->len; i++) {
    HnLayoutCell *cell = &g_array_index (cells, HnLayoutCell, i);
    gint slot =
        cell->site_id == NULL ? HN_PROGRAM_CHAIR : hn_hub_meeting_slot_of (hm, cell->site_id);

    /* a site on screen that is not joined (offline) leaves its cell black */
    if (cell->site_id != NULL && slot < 0)
      continue;
    hn_program_set_cell (hm->program, slot, cell->x, cell->y, cell->width, cell->height,
                         cell->zorder);
  }
  for (guint i = 0; i < HN_PROGRAM_SLOTS; i++) {
    if (hm->slot_site[i] != NULL)
      hn_program_set_slot_audible (
          hm->program, i,
          g_ptr_array_find_with_equal_func (audible, hm->slot_site[i], g_str_equal, NULL));
  }
}

/* Every change of a running meeting is written at once, so that a hub
 * killed at any moment comes back with the meetings as they were */
static void
hn_hub_save_running (HnHub *self)
{
  g_autoptr (GPtrArray) records = NULL;
  g_autoptr (GError) error = NULL;

  if (self->closing || self->running_state == NULL)
    return;
  records = g_ptr_array_new_with_free_func ((GDestroyNotify) hn_meeting_record_free);
  for (guint i = 0; i < self->meeting_order->len; i++) {
    HnHubMeeting *hm = self->meeting_order->pdata[i];

    g_ptr_array_add (records,
                     hn_meeting_record_new_from_meeting (hm->meeting, hm->monitor, hm->started_us));
  }
  if (!hn_meeting_records_save (self->running_state, records, &error))
    g_warning ("cannot keep the running meetings: %s; a restart now would not resume them",
               error->message);
}

static void
hn_hub_meeting_changed_cb (HnMeeting *meeting, HnMeetingChange change, gpointer user_data)
{
  HnHubMeeting *hm = user_data;
  HnHub *self = hm->hub;

  if (change & HN_MEETING_CHANGE_PARTICIPANTS) {
    GPtrArray *ids = hn_meeting_get_sites (meeting);

    for (guint i = 0; i < ids->len; i++)
      hn_link_health_set_meeting (self->health, ids->pdata[i], hn_meeting_get_id (meeting));
  }
  if (change & HN_MEETING_CHANGE_FLOOR) {
    const gchar *floor = hn_meeting_get_floor (meeting);
    GHashTableIter iter;
    const gchar *id;

    hn_hub_emit_meeting_event (self, "floor", hn_meeting_get_id (meeting), floor);
    g_hash_table_iter_init (&iter, hm->joined);
    while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL)) {
      g_autoptr (JsonNode) message =
          hn_control_message_new_floor (hn_meeting_get_id (meeting), floor);

      hn_control_server_send (self->control, id, message, NULL);
    }
  }
  hn_hub_meeting_apply (hm);
  hn_hub_save_running (self);
}

/* --- control channel events --- */

static void
hn_hub_site_online_cb (HnControlServer *control, const gchar *site_id, gpointer user_data)
{
  HnHub *self = user_data;
  HnHubMeeting *hm = g_hash_table_lookup (self->site_meeting, site_id);

  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "SITE_ID", site_id, "LINK_STATE", "standby",
                    "MESSAGE", "%s online from %s", site_id,
                    hn_control_server_get_address (control, site_id));
  hn_link_health_set_online (self->health, site_id, TRUE);
  if (hm != NULL) {
    /* a new connection may bring new SSRCs and ports */
    hn_hub_meeting_leave (hm, site_id, FALSE);
    hn_hub_meeting_join (hm, site_id);
  }
  hn_hub_emit_changed (self);
}

static void
hn_hub_site_offline_cb (HnControlServer *control, const gchar *site_id, gpointer user_data)
{
  HnHub *self = user_data;
  HnHubMeeting *hm = g_hash_table_lookup (self->site_meeting, site_id);

  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "SITE_ID", site_id, "LINK_STATE", "offline",
                    "MESSAGE", "%s offline", site_id);
  hn_link_health_set_online (self->health, site_id, FALSE);
  g_hash_table_remove (self->endpoint_stats, site_id);
  if (hm != NULL) {
    hn_hub_meeting_leave (hm, site_id, FALSE);
    hn_hub_meeting_apply (hm);
  }
  hn_hub_emit_changed (self);
}

static void
hn_hub_message_cb (HnControlServer *control,
                   const gchar *site_id,
                   JsonNode *message,
                   gpointer user_data)
{
  HnHub *self = user_data;
  HnHubMeeting *hm = g_hash_table_lookup (self->site_meeting, site_id);
  g_autoptr (GError) error = NULL;

  switch (hn_control_message_peek_type (message)) {
  case HN_CONTROL_MESSAGE_FLOOR_REQUEST:
    if (hm != NULL && !hn_meeting_request_floor (hm->meeting, site_id, &error))
      g_debug ("floor request of %s: %s", site_id, error->message);
    break;
  case HN_CONTROL_MESSAGE_STATS:
    g_hash_table_replace (
        self->endpoint_stats, g_strdup (site_id),
        json_node_init_object (json_node_alloc (), hn_control_message_get_stats (message)));
    break;
  case HN_CONTROL_MESSAGE_FLOOR_CANCEL:
    if (hm != NULL && !hn_meeting_cancel_floor_request (hm->meeting, site_id, &error))
      g_debug ("floor cancel of %s: %s", site_id, error->message);
    break;
  default:
    break;
  }
}

/* --- life --- */

static void
hn_hub_update_known_sites (HnHub *self)
{
  GPtrArray *sites = hn_config_get_sites (self->config);
  g_autoptr (GStrvBuilder) ids = g_strv_builder_new ();
  g_auto (GStrv) strv = NULL;

  for (guint i = 0; i < sites->len; i++) {
    if (hn_site_get_tier (sites->pdata[i]) != HN_TIER_HUB)
      g_strv_builder_add (ids, hn_site_get_id (sites->pdata[i]));
  }
  strv = g_strv_builder_end (ids);
  hn_control_server_set_known_sites (self->control, (const gchar *const *) strv);

  /* the health model follows the inventory: new rooms, changed
   * thresholds, rooms that are gone */
  {
    g_auto (GStrv) known = hn_link_health_list_sites (self->health);
    gint64 now = g_get_monotonic_time ();

    for (guint i = 0; known[i] != NULL; i++) {
      if (!g_strv_contains ((const gchar *const *) strv, known[i]))
        hn_link_health_remove_site (self->health, known[i]);
    }
    for (guint i = 0; strv[i] != NULL; i++) {
      HnSite *site = hn_config_get_site (self->config, strv[i]);
      HnHubMeeting *hm;

      if (hn_link_health_has_site (self->health, strv[i]))
        continue;
      hn_link_health_add_site (
          self->health, strv[i],
          hn_config_get_health_thresholds (self->config, hn_site_get_tier (site)), now);
      hn_link_health_set_online (self->health, strv[i],
                                 hn_control_server_is_online (self->control, strv[i]));
      hm = g_hash_table_lookup (self->site_meeting, strv[i]);
      if (hm != NULL)
        hn_link_health_set_meeting (self->health, strv[i], hn_meeting_get_id (hm->meeting));
    }
  }
}

/* --- link health --- */

static void
hn_hub_stream_totals (HnHub *self,
                      const gchar *site_id,
                      HnHubCounters *totals,
                      gdouble *jitter_ms,
                      gint64 *last_packet_us)
{
  memset (totals, 0, sizeof *totals);
  *jitter_ms = -1;
  *last_packet_us = 0;
  for (guint s = 0; s < HN_LEG_N_STREAMS; s++) {
    HnLegStreamStats st;

    if (!hn_return_receiver_get_stats (self->receiver, site_id, s, &st))
      continue;
    totals->packets += st.packets;
    totals->bytes += st.bytes;
    totals->lost += MAX (st.packets_lost, 0);
    *jitter_ms = MAX (*jitter_ms, st.jitter_ms);
    *last_packet_us = MAX (*last_packet_us, st.last_packet_us);
  }
}

/* site→hub from the hub's own receive counters; hub→site from the room's
 * receiver reports about the program (the worse of video and audio) */
static void
hn_hub_sample_site (HnHub *self, HnHubMeeting *hm, const gchar *site_id, gint64 now)
{
  const HnControlHelloMedia *hello = hn_control_server_get_hello_media (self->control, site_id);
  GArray *history = g_hash_table_lookup (self->counters, site_id);
  HnHubCounters totals;
  HnProgramReport report;
  HnLinkSample up = { -1, -1, -1, -1 };
  HnLinkSample down = { -1, -1, -1, -1 };
  gboolean have_down = FALSE;
  gint64 last;
  gdouble jitter;

  hn_hub_stream_totals (self, site_id, &totals, &jitter, &last);
  totals.when_us = now;
  if (history == NULL) {
    history = g_array_new (FALSE, FALSE, sizeof (HnHubCounters));
    g_hash_table_insert (self->counters, g_strdup (site_id), history);
  }
  if (history->len > 0) {
    const HnHubCounters *oldest = &g_array_index (history, HnHubCounters, 0);
    const HnHubCounters *prev = &g_array_index (history, HnHubCounters, history->len - 1);
    guint64 received = totals.packets - MIN (oldest->packets, totals.packets);
    gint64 lost = MAX (totals.lost - oldest->lost, 0);
    gdouble seconds = (now - prev->when_us) / (gdouble) G_USEC_PER_SEC;

    up.loss_pct = received + lost > 0 ? lost * 100.0 / (received + lost) : 0.0;
    up.jitter_ms = jitter;
    if (seconds > 0)
      up.bitrate_kbps = (totals.bytes - MIN (prev->bytes, totals.bytes)) * 8 / 1000.0 / seconds;
  }
  if (hello != NULL) {
    const HnHubCounters *oldest;
    const HnHubCounters *prev =
        history->len > 0 ? &g_array_index (history, HnHubCounters, history->len - 1) : NULL;
    gint64 expected = 0, lost = 0;

    for (guint v = 0; v < 2; v++) {
      if (!hn_program_get_report (hm->program, v == 0,
                                  v == 0 ? hello->video_ssrc : hello->audio_ssrc, &report))
        continue;
      totals.report_seq[v] = report.highest_seq;
      totals.report_lost[v] = report.packets_lost;
      /* loss over the window from the reports' cumulative counters, like
       * the other direction: one report's fraction covers too few packets;
       * from the oldest sample that had a report (the first report may
       * come after the window began) */
      oldest = NULL;
      for (guint h = 0; h < history->len && oldest == NULL; h++) {
        if (g_array_index (history, HnHubCounters, h).report_seq[v] != 0)
          oldest = &g_array_index (history, HnHubCounters, h);
      }
      if (oldest != NULL) {
        expected += (gint64) (guint32) (report.highest_seq - oldest->report_seq[v]);
        lost += MAX (report.packets_lost - oldest->report_lost[v], 0);
      }
      /* only a new report says something new: an old one re-read after the
       * room stalled would keep stale figures alive */
      if (prev != NULL && prev->report_seq[v] == report.highest_seq)
        continue;
      have_down = TRUE;
      down.jitter_ms = MAX (down.jitter_ms, report.jitter_ms);
      down.rtt_ms = MAX (down.rtt_ms, report.rtt_ms);
    }
    if (have_down)
      down.loss_pct = expected > 0 ? CLAMP (lost * 100.0 / expected, 0.0, 100.0) : 0.0;
  }
  /* the round trip is the same path both ways: the hub measures it on the
   * program's reports and uses it for both directions */
  up.rtt_ms = down.rtt_ms;
  if (history->len > 0)
    hn_link_health_update_sample (self->health, site_id, HN_DIRECTION_SITE_TO_HUB, &up);
  if (have_down)
    hn_link_health_update_sample (self->health, site_id, HN_DIRECTION_HUB_TO_SITE, &down);
  g_array_append_val (history, totals);
  if (history->len > hn_config_get_loss_window (self->config))
    g_array_remove_index (history, 0);
}

static gboolean
hn_hub_tick_cb (gpointer user_data)
{
  HnHub *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gboolean sample = ++self->ticks % HN_HUB_TICKS_PER_SAMPLE == 0;

  for (guint i = 0; i < self->meeting_order->len; i++) {
    HnHubMeeting *hm = self->meeting_order->pdata[i];
    GHashTableIter iter;
    const gchar *id;

    g_hash_table_iter_init (&iter, hm->joined);
    while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL)) {
      HnHubCounters totals;
      gdouble jitter;
      gint64 last;

      hn_hub_stream_totals (self, id, &totals, &jitter, &last);
      hn_link_health_update_media (self->health, id, totals.packets, last);
      if (sample)
        hn_hub_sample_site (self, hm, id, now);
    }
  }
  hn_link_health_tick (self->health, now);
  return G_SOURCE_CONTINUE;
}

static void
hn_hub_link_changed_cb (HnLinkHealth *health,
                        const gchar *site_id,
                        guint old_state,
                        guint new_state,
                        gpointer user_data)
{
  HnHub *self = user_data;
  const HnLinkDirection *up =
      hn_link_health_get_direction (health, site_id, HN_DIRECTION_SITE_TO_HUB);
  const HnLinkDirection *down =
      hn_link_health_get_direction (health, site_id, HN_DIRECTION_HUB_TO_SITE);
  const gchar *meeting = hn_link_health_get_meeting (health, site_id);
  const gchar *state = hn_link_state_to_string (new_state);
  g_autofree gchar *loss = NULL;
  g_autofree gchar *rtt = NULL;
  g_autofree gchar *mos = NULL;
  g_autoptr (JsonNode) node = NULL;
  gdouble worst_loss = -1, rtt_ms = -1, worst_mos = -1;

  for (guint d = 0; d < 2; d++) {
    const HnLinkDirection *dir = d == 0 ? up : down;

    if (dir == NULL || !dir->valid)
      continue;
    worst_loss = MAX (worst_loss, dir->sample.loss_pct);
    rtt_ms = MAX (rtt_ms, dir->sample.rtt_ms);
    worst_mos = worst_mos < 0 ? dir->mos : MIN (worst_mos, dir->mos);
  }
  loss = worst_loss >= 0 ? g_strdup_printf ("%.1f", worst_loss) : g_strdup ("");
  rtt = rtt_ms >= 0 ? g_strdup_printf ("%.0f", rtt_ms) : g_strdup ("");
  mos = worst_mos >= 0 ? g_strdup_printf ("%.2f", worst_mos) : g_strdup ("");
  g_log_structured (
      G_LOG_DOMAIN,
      new_state == HN_LINK_DOWN || new_state == HN_LINK_DEGRADED ? G_LOG_LEVEL_WARNING
                                                                 : G_LOG_LEVEL_MESSAGE,
      "SITE_ID", site_id, "MEETING_ID", meeting != NULL ? meeting : "", "LINK_STATE", state,
      "LOSS_PCT", loss, "RTT_MS", rtt, "MOS", mos, "MESSAGE", "%s: link %s (was %s)%s%s%s%s%s%s",
      site_id, state, hn_link_state_to_string (old_state), *loss ? ", loss " : "", loss,
      *rtt ? "%, rtt " : (*loss ? "%" : ""), rtt, *mos ? " ms, MOS " : (*rtt ? " ms" : ""), mos);
  node = hn_hub_link_to_json (self, site_id);
  json_object_set_string_member (json_node_get_object (node), "previous",
                                 hn_link_state_to_string (old_state));
  g_signal_emit (self, signals[SIGNAL_EVENT], 0, "link", node);
  hn_hub_emit_changed (self);
}

/* [hub] tls-certificate=/tls-key= for wss, or insecure=true for a lab;
 * neither is an error, so that a hub never speaks plain ws by omission */
static gboolean
hn_hub_setup_control_tls (HnHub *self, GError **error)
{
  g_autoptr (GTlsCertificate) tls = NULL;
  const gchar *certificate = NULL;
  const gchar *key = NULL;

  if (self->insecure) {
    g_warning ("control: insecure=true: rooms connect over plain ws, may send their token as it "
               "is and media is not encrypted; for a lab only");
    hn_control_server_set_insecure (self->control, TRUE);
    return TRUE;
  }
  if (!hn_config_get_control_tls (self->config, &certificate, &key)) {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_CONFIG_MISSING_KEY,
                         "the control channel needs a certificate: set [hub] tls-certificate= "
                         "and tls-key= in the sites file (or insecure=true, for a lab only)");
    return FALSE;
  }
  tls = g_tls_certificate_new_from_files (certificate, key, error);
  if (tls == NULL) {
    hn_error_convert (error);
    g_prefix_error (error, "[hub] %s, %s: ", certificate, key);
    return FALSE;
  }
  g_free (self->control_fingerprint);
  self->control_fingerprint = hn_secrets_get_certificate_fingerprint (tls);
  hn_control_server_set_tls (self->control, tls);
  g_message ("control: wss with certificate %s (%s)", self->control_fingerprint, certificate);
  return TRUE;
}

/**
 * hn_hub_get_control_fingerprint:
 *
 * Returns: (nullable): the fingerprint of the control channel's
 *   certificate, which rooms pin (--hub-fingerprint); %NULL when insecure
 */
const gchar *
hn_hub_get_control_fingerprint (HnHub *self)
{
  g_return_val_if_fail (HN_IS_HUB (self), NULL);
  return self->control_fingerprint;
}

/* Streaming threads come and go with the legs (a decoder is built when a
 * room is shown, torn down when it is not), and glibc keeps what each
 * thread freed in that thread's arena instead of giving it back: over a
 * day of rooms dropping and the floor moving, the hub's RSS would creep up
 * with memory it does not use (bench/soak: +23 MiB in 5 minutes of churn
 * at 20 rooms, 11 MiB of it given back by one malloc_trim). So every
 * 30 s: a walk over the arenas' free pages, on the main loop. */
#define HN_HUB_TRIM_INTERVAL_S 30

static gboolean
hn_hub_trim_cb (gpointer user_data)
{
#ifdef __GLIBC__
  malloc_trim (0);
#endif
  return G_SOURCE_CONTINUE;
}

/**
 * hn_hub_new:
 * @state_dir: where the master key lives (master.key, created if missing)
 *
 * Opens the control channel's port and the return media ports, as the
 * configuration says.
 */
HnHub *
hn_hub_new (HnConfig *config, const gchar *state_dir, GError **error)
{
  g_autoptr (HnHub) self = g_object_new (HN_TYPE_HUB, NULL);
  g_autofree gchar *key_path = g_build_filename (state_dir, "master.key", NULL);
  const gchar *address = hn_config_get_listen_address (config);
  guint media_port = hn_config_get_media_port (config);

  self->config = g_object_ref (config);
  self->state_dir = g_strdup (state_dir);
  self->running_state = g_build_filename (state_dir, "running-meetings.json", NULL);
  self->secrets = hn_secrets_new_from_file (key_path, TRUE, error);
  if (self->secrets == NULL)
    return NULL;
  /* the security of the links is fixed at start, as the sockets are: a
   * reload does not change it */
  self->insecure = hn_config_get_insecure (config);
  self->receiver = hn_return_receiver_new (
      address, media_port, media_port != 0 ? media_port + 1 : 0, !self->insecure, error);
  if (self->receiver == NULL) {
    g_prefix_error (error, "return media on %s port %u: ", address, media_port);
    return NULL;
  }
  self->control = hn_control_server_new (self->secrets);
  if (!hn_hub_setup_control_tls (self, error))
    return NULL;
  /* a dead control channel must be offline within 10 s: pings every 2 s,
   * dropped after three intervals unanswered (6 to 8 s) */
  hn_control_server_set_keepalive (self->control, 2);
  g_signal_connect_object (self->health, "state-changed", G_CALLBACK (hn_hub_link_changed_cb), self,
                           0);
  hn_hub_update_known_sites (self);
  self->tick_id = g_timeout_add (HN_HUB_TICK_MS, hn_hub_tick_cb, self);
  g_source_set_name_by_id (self->tick_id, "[hoinghi] link health");
  self->trim_id = g_timeout_add_seconds (HN_HUB_TRIM_INTERVAL_S, hn_hub_trim_cb, self);
  g_source_set_name_by_id (self->trim_id, "[hoinghi] memory trim");
  g_signal_connect_object (self->control, "site-online", G_CALLBACK (hn_hub_site_online_cb), self,
                           0);
  g_signal_connect_object (self->control, "site-offline", G_CALLBACK (hn_hub_site_offline_cb), self,
                           0);
  g_signal_connect_object (self->control, "message", G_CALLBACK (hn_hub_message_cb), self, 0);
  if (!hn_control_server_listen (self->control, address, hn_config_get_control_port (config),
                                 error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * hn_hub_close:
 *
 * Stops every meeting (rooms go back to standby) and closes the control
 * channel.
 */
void
hn_hub_close (HnHub *self)
{
  g_return_if_fail (HN_IS_HUB (self));

  self->closing = TRUE;
  while (self->meeting_order->len > 0) {
    HnHubMeeting *hm = self->meeting_order->pdata[self->meeting_order->len - 1];

    hn_hub_stop_meeting (self, hn_meeting_get_id (hm->meeting), NULL);
  }
  if (self->control != NULL)
    hn_control_server_close (self->control);
}

/**
 * hn_hub_set_config:
 *
 * Takes a reloaded configuration: a site that is gone leaves its meeting.
 */
void
hn_hub_set_config (HnHub *self, HnConfig *config)
{
  g_autoptr (GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) changed = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  const gchar *id;

  g_return_if_fail (HN_IS_HUB (self));
  g_return_if_fail (HN_IS_CONFIG (config));

  if (hn_config_get_insecure (config) != self->insecure)
    g_message ("insecure=%s takes effect when hoinghid restarts; the links stay %s",
               hn_config_get_insecure (config) ? "true" : "false",
               self->insecure ? "plain" : "encrypted");

  /* only what differs is touched: an unchanged room keeps its link, its
   * leg and its place in the program */
  g_hash_table_iter_init (&iter, self->site_meeting);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL)) {
    HnSite *now = hn_config_get_site (config, id);
    HnSite *before = hn_config_get_site (self->config, id);

    if (now == NULL)
      g_ptr_array_add (gone, g_strdup (id));
    else if (before != NULL && !hn_site_equal (before, now))
      g_ptr_array_add (changed, g_strdup (id));
  }
  for (guint i = 0; i < gone->len; i++) {
    HnHubMeeting *hm = g_hash_table_lookup (self->site_meeting, gone->pdata[i]);
    g_autofree gchar *meeting = g_strdup (hn_meeting_get_id (hm->meeting));
    g_autoptr (GError) error = NULL;

    /* a meeting keeps one participant at least: its last one gone, it ends */
    if (!hn_hub_remove_site (self, meeting, gone->pdata[i], &error)) {
      g_message ("meeting %s: %s; %s is gone from the configuration, stopping the meeting", meeting,
                 error->message, (const gchar *) gone->pdata[i]);
      hn_hub_stop_meeting (self, meeting, NULL);
    }
  }
  g_set_object (&self->config, config);
  for (guint i = 0; i < changed->len; i++) {
    HnHubMeeting *hm = g_hash_table_lookup (self->site_meeting, changed->pdata[i]);

    if (hm == NULL || !g_hash_table_contains (hm->joined, changed->pdata[i]))
      continue;
    /* a changed room is joined again with its new settings */
    hn_hub_meeting_leave (hm, changed->pdata[i], FALSE);
    hn_hub_meeting_join (hm, changed->pdata[i]);
  }
  hn_hub_update_known_sites (self);
  hn_hub_emit_changed (self);
}

HnConfig *
hn_hub_get_config (HnHub *self)
{
  g_return_val_if_fail (HN_IS_HUB (self), NULL);
  return self->config;
}

guint
hn_hub_get_control_port (HnHub *self)
{
  g_return_val_if_fail (HN_IS_HUB (self), 0);
  return hn_control_server_get_port (self->control);
}

void
hn_hub_get_media_ports (HnHub *self, guint *rtp_port, guint *rtcp_port)
{
  g_return_if_fail (HN_IS_HUB (self));
  hn_return_receiver_get_ports (self->receiver, rtp_port, rtcp_port);
}

/**
 * hn_hub_get_return_counters:
 *
 * What became of the packets at the return media port.
 */
void
hn_hub_get_return_counters (HnHub *self, HnReturnCounters *counters)
{
  g_return_if_fail (HN_IS_HUB (self));
  hn_return_receiver_get_counters (self->receiver, counters);
}

/**
 * hn_hub_get_site_token:
 *
 * Returns: the token the room's endpoint must present (see HnSecrets)
 */
gchar *
hn_hub_get_site_token (HnHub *self, const gchar *site_id, GError **error)
{
  HnSite *site;

  g_return_val_if_fail (HN_IS_HUB (self), NULL);

  site = hn_config_get_site (self->config, site_id);
  if (site == NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND, "no site '%s'", site_id);
    return NULL;
  }
  if (hn_site_get_tier (site) == HN_TIER_HUB) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "%s is the hub itself; it has no endpoint token", site_id);
    return NULL;
  }
  return hn_secrets_get_site_token (self->secrets, site_id);
}

/**
 * hn_hub_rotate_site_secret:
 *
 * Gives the room a new token: the old one stops working at once, and the
 * room's open connection is closed (it authenticated with the old one).
 *
 * Returns: (transfer full): the new token, for the room's token file
 */
gchar *
hn_hub_rotate_site_secret (HnHub *self, const gchar *site_id, GError **error)
{
  g_autofree gchar *check = NULL;
  gchar *token;

  g_return_val_if_fail (HN_IS_HUB (self), NULL);

  /* the same checks as for reading a token */
  check = hn_hub_get_site_token (self, site_id, error);
  if (check == NULL)
    return NULL;
  explicit_bzero (check, strlen (check));
  token = hn_secrets_rotate_site (self->secrets, site_id, error);
  if (token == NULL)
    return NULL;
  hn_control_log_site (G_LOG_LEVEL_MESSAGE, site_id,
                       "control: site %s has a new token (generation %u); its old one is "
                       "refused from now on",
                       site_id, hn_secrets_get_site_generation (self->secrets, site_id));
  hn_control_server_disconnect (self->control, site_id);
  return token;
}

gboolean
hn_hub_is_site_online (HnHub *self, const gchar *site_id)
{
  g_return_val_if_fail (HN_IS_HUB (self), FALSE);
  return hn_control_server_is_online (self->control, site_id);
}

guint
hn_hub_count_online (HnHub *self)
{
  g_auto (GStrv) online = NULL;

  g_return_val_if_fail (HN_IS_HUB (self), 0);
  online = hn_control_server_list_online (self->control);
  return g_strv_length (online);
}

/**
 * hn_hub_describe:
 *
 * Returns: the one line systemctl status shows, e.g.
 *   "2 meetings, 143/147 rooms online"
 */
gchar *
hn_hub_describe (HnHub *self)
{
  g_autoptr (GString) line = g_string_new (NULL);
  guint rooms = 0;
  GPtrArray *sites;

  g_return_val_if_fail (HN_IS_HUB (self), NULL);

  sites = hn_config_get_sites (self->config);
  for (guint i = 0; i < sites->len; i++)
    rooms += hn_site_get_tier (sites->pdata[i]) != HN_TIER_HUB;
  for (guint i = 0; i < self->meeting_order->len; i++) {
    HnHubMeeting *hm = self->meeting_order->pdata[i];
    const gchar *id = hn_meeting_get_id (hm->meeting);
    guint degraded = hn_link_health_count (self->health, HN_LINK_DEGRADED, id);
    guint down = hn_link_health_count (self->health, HN_LINK_DOWN, id);

    g_string_append_printf (line, "%smeeting %s: %u/%u up", i > 0 ? "; " : "", id,
                            hn_link_health_count (self->health, HN_LINK_UP, id),
                            hn_meeting_get_sites (hm->meeting)->len);
    if (degraded > 0)
      g_string_append_printf (line, ", %u degraded", degraded);
    if (down > 0)
      g_string_append_printf (line, ", %u down", down);
  }
  if (self->meeting_order->len == 0)
    g_string_append (line, "no meeting");
  g_string_append_printf (line, "; %u/%u rooms online", hn_hub_count_online (self), rooms);
  return g_string_free (g_steal_pointer (&line), FALSE);
}

HnLinkHealth *
hn_hub_get_link_health (HnHub *self)
{
  g_return_val_if_fail (HN_IS_HUB (self), NULL);
  return self->health;
}

/**
 * hn_hub_get_site_meeting:
 *
 * Returns: (nullable): the id of the meeting @site_id takes part in
 */
const gchar *
hn_hub_get_site_meeting (HnHub *self, const gchar *site_id)
{
  HnHubMeeting *hm;

  g_return_val_if_fail (HN_IS_HUB (self), NULL);

  hm = g_hash_table_lookup (self->site_meeting, site_id);
  return hm != NULL ? hn_meeting_get_id (hm->meeting) : NULL;
}

/**
 * hn_hub_link_to_json:
 *
 * Returns: a room's link as the API shows it: its state and both
 *   directions' figures (HnLinkHealth), its tier and district, and what
 *   the room says it plays
 */
JsonNode *
hn_hub_link_to_json (HnHub *self, const gchar *site_id)
{
  JsonNode *node;
  JsonObject *o;
  HnSite *site;
  JsonNode *ep;

  g_return_val_if_fail (HN_IS_HUB (self), NULL);

  node = hn_link_health_site_to_json (self->health, site_id, g_get_monotonic_time ());
  if (node == NULL)
    return NULL;
  o = json_node_get_object (node);
  site = hn_config_get_site (self->config, site_id);
  if (site != NULL) {
    json_object_set_string_member (o, "tier", hn_tier_to_string (hn_site_get_tier (site)));
    if (hn_site_get_district (site) != NULL)
      json_object_set_string_member (o, "district", hn_site_get_district (site));
    else if (hn_site_get_tier (site) == HN_TIER_DISTRICT)
      json_object_set_string_member (o, "district", site_id);
    else
      json_object_set_null_member (o, "district");
  }
  ep = g_hash_table_lookup (self->endpoint_stats, site_id);
  if (ep != NULL)
    json_object_set_member (o, "endpoint", json_node_copy (ep));
  else
    json_object_set_null_member (o, "endpoint");
  return node;
}

/* --- the schedule (meetings.conf) --- */

static void
hn_hub_save_schedule (HnHub *self)
{
  g_autoptr (GError) error = NULL;

  if (self->scheduler != NULL &&
      !hn_scheduler_save_state (self->scheduler, self->schedule_state, &error))
    g_warning ("schedule: %s, ignoring", error->message);
}

static gboolean
hn_hub_is_running_cb (const gchar *meeting_id, gpointer user_data)
{
  HnHub *self = user_data;

  return g_hash_table_contains (self->meetings, meeting_id);
}

static void hn_hub_arm_schedule (HnHub *self);

static void
hn_hub_start_planned (HnHub *self, const HnScheduledAction *action)
{
  HnMeetingPlan *plan =
      hn_meetings_config_get_plan (hn_scheduler_get_config (self->scheduler), action->meeting_id);
  g_autoptr (GError) error = NULL;
  g_autoptr (GTimeZone) tz = NULL;
  g_autofree gchar *until = NULL;
  HnMeetingRequest request = { 0 };

  if (plan == NULL)
    return;
  request.id = hn_meeting_plan_get_id (plan);
  request.title = hn_meeting_plan_get_title (plan);
  request.sites = hn_meeting_plan_get_selector (plan);
  request.source = hn_meeting_plan_get_source (plan);
  request.layout = hn_layout_to_string (hn_meeting_plan_get_layout (plan));
  tz = g_time_zone_ref (hn_meeting_plan_get_timezone (plan));
  until = hn_meetings_format_time (action->end_us, tz);
  if (hn_hub_start_meeting (self, &request, &error) == NULL) {
    g_warning ("schedule: cannot start meeting %s: %s", request.id, error->message);
    hn_scheduler_record_stopped (self->scheduler, request.id);
    return;
  }
  if (hn_meeting_plan_get_floor (plan) != NULL &&
      !hn_hub_set_floor (self, request.id, hn_meeting_plan_get_floor (plan), &error))
    g_warning ("schedule: meeting %s: %s, ignoring", request.id, error->message);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "MEETING_ID", request.id, "MESSAGE",
                    "schedule: meeting %s started, until %s", request.id, until);
}

static gboolean
hn_hub_schedule_cb (gpointer user_data)
{
  HnHub *self = user_data;
  g_autoptr (GPtrArray) actions = NULL;

  self->schedule_id = 0;
  actions = hn_scheduler_tick (self->scheduler, g_get_real_time (), hn_hub_is_running_cb, self);
  for (guint i = 0; i < actions->len; i++) {
    HnScheduledAction *action = actions->pdata[i];
    g_autoptr (GError) error = NULL;

    if (action->kind == HN_SCHEDULED_ACTION_START) {
      hn_hub_start_planned (self, action);
    } else if (g_hash_table_contains (self->meetings, action->meeting_id)) {
      g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "MEETING_ID", action->meeting_id,
                        "MESSAGE", "schedule: meeting %s reached its end", action->meeting_id);
      if (!hn_hub_stop_meeting (self, action->meeting_id, &error))
        g_warning ("schedule: %s, ignoring", error->message);
    }
  }
  hn_hub_save_schedule (self);
  hn_hub_arm_schedule (self);
  return G_SOURCE_REMOVE;
}

/* Wakes up when the schedule next needs something, and at least every
 * minute, so a clock that jumps (NTP) is noticed */
static void
hn_hub_arm_schedule (HnHub *self)
{
  gint64 now = g_get_real_time ();
  gint64 next = hn_scheduler_next_wakeup (self->scheduler, now);
  gint64 wait_ms = next == G_MAXINT64 ? 60000 : CLAMP ((next - now) / 1000 + 1, 1, 60000);

  g_clear_handle_id (&self->schedule_id, g_source_remove);
  self->schedule_id = g_timeout_add ((guint) wait_ms, hn_hub_schedule_cb, self);
  g_source_set_name_by_id (self->schedule_id, "[hoinghi] schedule");
}

/**
 * hn_hub_set_schedule:
 * @meetings: (nullable): the recurring meetings (meetings.conf), or %NULL
 *
 * Takes a (re)loaded meetings.conf. The schedule's state is kept in the
 * state directory (schedule.json), so a restart neither replays past
 * meetings nor forgets one that should be running (catch-up).
 */
void
hn_hub_set_schedule (HnHub *self, HnMeetingsConfig *meetings)
{
  g_return_if_fail (HN_IS_HUB (self));

  if (self->scheduler == NULL) {
    g_autoptr (GError) error = NULL;

    self->scheduler = hn_scheduler_new ();
    self->schedule_state = g_build_filename (self->state_dir, "schedule.json", NULL);
    if (!hn_scheduler_load_state (self->scheduler, self->schedule_state, &error)) {
      g_autofree gchar *aside = hn_util_move_aside (self->schedule_state, g_get_real_time ());

      g_warning ("%s; moved aside to %s, starting with an empty schedule state", error->message,
                 aside != NULL ? aside : "(cannot rename it)");
    }
  }
  hn_scheduler_set_config (self->scheduler, meetings);
  /* at once: this is where a meeting missed while the hub was down is
   * caught up */
  g_clear_handle_id (&self->schedule_id, g_source_remove);
  self->schedule_id = g_idle_add (hn_hub_schedule_cb, self);
  g_source_set_name_by_id (self->schedule_id, "[hoinghi] schedule");
}

/**
 * hn_hub_schedule_to_json:
 *
 * Returns: the recurring meetings with their next start
 */
JsonNode *
hn_hub_schedule_to_json (HnHub *self)
{
  g_return_val_if_fail (HN_IS_HUB (self), NULL);

  if (self->scheduler == NULL || hn_scheduler_get_config (self->scheduler) == NULL) {
    JsonNode *node = json_node_new (JSON_NODE_OBJECT);

    json_node_take_object (node, json_object_new ());
    json_object_set_array_member (json_node_get_object (node), "meetings", json_array_new ());
    return node;
  }
  {
    JsonNode *node = hn_scheduler_list_to_json (self->scheduler, g_get_real_time ());
    JsonArray *list = json_object_get_array_member (json_node_get_object (node), "meetings");
    HnMeetingsConfig *mc = hn_scheduler_get_config (self->scheduler);

    /* the times as the province reads them, in each meeting's zone */
    for (guint i = 0; list != NULL && i < json_array_get_length (list); i++) {
      JsonObject *o = json_array_get_object_element (list, i);
      HnMeetingPlan *plan =
          hn_meetings_config_get_plan (mc, json_object_get_string_member (o, "id"));
      JsonNode *start = json_object_get_member (o, "next-start");

      if (plan != NULL && start != NULL && json_node_get_value_type (start) == G_TYPE_INT64) {
        g_autofree gchar *local = hn_meetings_format_time (json_node_get_int (start),
                                                           hn_meeting_plan_get_timezone (plan));

        json_object_set_string_member (o, "next-start-local", local);
      }
    }
    return node;
  }
}

/**
 * hn_hub_schedule_next_to_json:
 *
 * Returns: the next @count occurrences of a recurring meeting, as
 *   {"meeting", "occurrences": [{"start", "end", "start-local", "end-local"}]}
 */
JsonNode *
hn_hub_schedule_next_to_json (HnHub *self, const gchar *meeting_id, guint count, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  HnMeetingPlan *plan = NULL;
  gint64 after = g_get_real_time ();

  g_return_val_if_fail (HN_IS_HUB (self), NULL);

  if (self->scheduler != NULL && hn_scheduler_get_config (self->scheduler) != NULL)
    plan = hn_meetings_config_get_plan (hn_scheduler_get_config (self->scheduler), meeting_id);
  if (plan == NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND, "no meeting '%s' in meetings.conf",
                 meeting_id);
    return NULL;
  }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "meeting");
  json_builder_add_string_value (b, meeting_id);
  json_builder_set_member_name (b, "occurrences");
  json_builder_begin_array (b);
  for (guint i = 0; i < count; i++) {
    gint64 start, end;
    g_autofree gchar *start_local = NULL;
    g_autofree gchar *end_local = NULL;

    if (!hn_meeting_plan_next_start (plan, after, &start, &end))
      break;
    start_local = hn_meetings_format_time (start, hn_meeting_plan_get_timezone (plan));
    end_local = hn_meetings_format_time (end, hn_meeting_plan_get_timezone (plan));
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "start");
    json_builder_add_int_value (b, start);
    json_builder_set_member_name (b, "end");
    json_builder_add_int_value (b, end);
    json_builder_set_member_name (b, "start-local");
    json_builder_add_string_value (b, start_local);
    json_builder_set_member_name (b, "end-local");
    json_builder_add_string_value (b, end_local);
    json_builder_end_object (b);
    after = start;
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* --- meetings --- */

static HnHubMeeting *
hn_hub_lookup (HnHub *self, const gchar *meeting_id, GError **error)
{
  HnHubMeeting *hm = g_hash_table_lookup (self->meetings, meeting_id);

  if (hm == NULL)
    g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND, "no meeting '%s' is running", meeting_id);
  return hm;
}

static gboolean
hn_hub_parse_monitor (const gchar *monitor, gchar **host, guint *port, GError **error)
{
  g_autoptr (GSocketConnectable) address = NULL;
  g_autoptr (GError) local_error = NULL;

  address = g_network_address_parse (monitor, 0, &local_error);
  if (address == NULL || g_network_address_get_port (G_NETWORK_ADDRESS (address)) == 0 ||
      g_network_address_get_port (G_NETWORK_ADDRESS (address)) > 65533) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "monitor '%s' is not HOST:PORT (video on PORT, audio on PORT+2)", monitor);
    return FALSE;
  }
  *host = g_strdup (g_network_address_get_hostname (G_NETWORK_ADDRESS (address)));
  *port = g_network_address_get_port (G_NETWORK_ADDRESS (address));
  return TRUE;
}

/**
 * hn_hub_start_meeting:
 *
 * Starts a meeting: its program runs at once and every participant that
 * is online joins; the others join when they come online.
 *
 * Returns: (transfer none): the meeting, or %NULL with HN_ERROR_CONFLICT
 *   when it runs already or a site is in another meeting
 */
HnMeeting *
hn_hub_start_meeting (HnHub *self, const HnMeetingRequest *request, GError **error)
{
  g_autoptr (GPtrArray) sites = NULL;
  HnHubMeeting *hm;

  g_return_val_if_fail (HN_IS_HUB (self), NULL);
  g_return_val_if_fail (request != NULL && request->id != NULL, NULL);

  if (g_hash_table_contains (self->meetings, request->id)) {
    g_set_error (error, HN_ERROR, HN_ERROR_CONFLICT, "meeting %s is already running", request->id);
    return NULL;
  }
  if (request->sites == NULL && self->scheduler != NULL &&
      hn_scheduler_get_config (self->scheduler) != NULL) {
    /* "meeting start giao-ban-tuan": the definition from meetings.conf */
    HnMeetingPlan *plan =
        hn_meetings_config_get_plan (hn_scheduler_get_config (self->scheduler), request->id);

    if (plan != NULL) {
      HnMeetingRequest planned = *request;

      planned.title = request->title != NULL ? request->title : hn_meeting_plan_get_title (plan);
      planned.sites = hn_meeting_plan_get_selector (plan);
      planned.source =
          request->source != NULL ? request->source : hn_meeting_plan_get_source (plan);
      planned.layout = request->layout != NULL
                           ? request->layout
                           : hn_layout_to_string (hn_meeting_plan_get_layout (plan));
      return hn_hub_start_meeting (self, &planned, error);
    }
  }
  if (request->sites == NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "meeting %s: no sites given and no definition in meetings.conf; give a "
                 "selector such as 'all' or 'district:huyen-tam-dao'",
                 request->id);
    return NULL;
  }
  sites = hn_site_selector_resolve (request->sites, self->config, error);
  if (sites == NULL)
    return NULL;
  hm = hn_hub_start_sites (self, request, sites, error);
  return hm != NULL ? hm->meeting : NULL;
}

/* Starts a meeting of @sites (HnSite, in meeting order); request->sites
 * is not looked at */
static HnHubMeeting *
hn_hub_start_sites (HnHub *self, const HnMeetingRequest *request, GPtrArray *sites, GError **error)
{
  g_autoptr (HnMeeting) meeting = NULL;
  g_autoptr (HnProgram) program = NULL;
  g_autoptr (HnFeed) feed = NULL;
  g_autofree gchar *monitor_host = NULL;
  g_autoptr (GBytes) program_key = NULL;
  const HnProgramFormat *format = hn_config_get_program_format (self->config);
  const gchar *source = request->source != NULL ? request->source : "test";
  HnProgramConfig pc = { 0 };
  HnLayout layout = HN_LAYOUT_SINGLE;
  guint monitor_port = 0;
  HnHubMeeting *hm;

  for (guint i = 0; i < sites->len; i++) {
    const gchar *id = hn_site_get_id (sites->pdata[i]);
    HnHubMeeting *other = g_hash_table_lookup (self->site_meeting, id);

    if (other != NULL) {
      g_set_error (error, HN_ERROR, HN_ERROR_CONFLICT, "site %s is already in meeting %s", id,
                   hn_meeting_get_id (other->meeting));
      return NULL;
    }
  }
  if (request->layout != NULL && !hn_layout_from_string (request->layout, &layout)) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "unknown layout '%s'; expected single, pip or grid", request->layout);
    return NULL;
  }
  if (!hn_feed_source_is_valid (source, error))
    return NULL;
  if (request->monitor != NULL &&
      !hn_hub_parse_monitor (request->monitor, &monitor_host, &monitor_port, error))
    return NULL;
  meeting = hn_meeting_new (request->id, request->title != NULL ? request->title : request->id,
                            source, layout, sites, error);
  if (meeting == NULL)
    return NULL;

  pc.name = request->id;
  pc.width = format->width;
  pc.height = format->height;
  pc.framerate = format->framerate;
  pc.video_bitrate = format->video_bitrate;
  pc.audio_bitrate = format->audio_bitrate;
  pc.bind_address = hn_config_get_listen_address (self->config);
  /* a fresh key (and, in HnProgram, fresh SSRCs) for every start */
  if (!self->insecure) {
    program_key = hn_secrets_random_bytes (HN_MEDIA_SRTP_KEY_SIZE, error);
    if (program_key == NULL)
      return NULL;
    pc.srtp_key = program_key;
  }
  program = hn_program_new (&pc, error);
  if (program == NULL)
    return NULL;
  feed = hn_feed_new (source, hn_program_get_chair_video_channel (program),
                      hn_program_get_chair_audio_channel (program), format->width, format->height,
                      format->framerate, error);
  if (feed == NULL || !hn_feed_start (feed, error))
    return NULL;
  if (monitor_host != NULL &&
      !hn_program_add_monitor (program, monitor_host, monitor_port, monitor_port + 2, error))
    return NULL;

  hm = g_new0 (HnHubMeeting, 1);
  hm->hub = self;
  hm->meeting = g_steal_pointer (&meeting);
  hm->program = g_steal_pointer (&program);
  hm->feed = g_steal_pointer (&feed);
  hm->joined = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  hm->monitor = g_strdup (request->monitor);
  hm->monitor_host = g_steal_pointer (&monitor_host);
  hm->monitor_port = monitor_port;
  hm->started_us = g_get_real_time ();
  g_ptr_array_add (self->meeting_order, hm);
  g_hash_table_insert (self->meetings, (gpointer) hn_meeting_get_id (hm->meeting), hm);
  for (guint i = 0; i < sites->len; i++) {
    g_hash_table_insert (self->site_meeting, (gpointer) hn_site_get_id (sites->pdata[i]), hm);
    hn_link_health_set_meeting (self->health, hn_site_get_id (sites->pdata[i]), request->id);
  }
  hm->changed_id =
      g_signal_connect (hm->meeting, "changed", G_CALLBACK (hn_hub_meeting_changed_cb), hm);

  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "MEETING_ID", request->id, "MESSAGE",
                    "meeting %s started: %u sites, source %s, layout %s", request->id, sites->len,
                    source, hn_layout_to_string (layout));
  hn_hub_meeting_apply (hm);
  for (guint i = 0; i < sites->len; i++) {
    const gchar *id = hn_site_get_id (sites->pdata[i]);

    if (hn_control_server_is_online (self->control, id))
      hn_hub_meeting_join (hm, id);
  }
  hn_hub_emit_meeting_event (self, "meeting-started", request->id, NULL);
  hn_hub_save_running (self);
  hn_hub_emit_changed (self);
  return hm;
}

/**
 * hn_hub_resume_meetings:
 *
 * Starts again the meetings that were running when the hub last stopped,
 * crashed or was killed (running-meetings.json in the state directory),
 * with their participants, floor, layout, mutes, source and monitor; the
 * rooms rejoin as their endpoints reconnect. A site that is no longer in
 * sites.conf, or is now in another meeting, is left out with a warning. A
 * corrupt file is moved aside with a warning, and nothing is resumed.
 * Call it before hn_hub_set_schedule(), so that the schedule sees these
 * meetings as running.
 *
 * Returns: how many meetings were resumed
 */
guint
hn_hub_resume_meetings (HnHub *self)
{
  g_autoptr (GPtrArray) records = NULL;
  g_autoptr (GError) error = NULL;
  guint resumed = 0;

  g_return_val_if_fail (HN_IS_HUB (self), 0);

  records = hn_meeting_records_load (self->running_state, &error);
  if (records == NULL) {
    g_autofree gchar *aside = NULL;

    if (g_error_matches (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT))
      aside = hn_util_move_aside (self->running_state, g_get_real_time ());
    g_warning ("%s; %s%s, no meeting resumed", error->message,
               aside != NULL ? "moved aside to " : "left in place", aside != NULL ? aside : "");
    return 0;
  }
  for (guint i = 0; i < records->len; i++) {
    HnMeetingRecord *record = records->pdata[i];
    g_autoptr (GPtrArray) sites = g_ptr_array_new_with_free_func (g_object_unref);
    g_autoptr (GDateTime) since =
        g_date_time_new_from_unix_local (record->started_us / G_USEC_PER_SEC);
    g_autofree gchar *since_text = NULL;
    HnMeetingRequest request = { 0 };
    HnHubMeeting *hm;

    for (guint j = 0; record->sites[j] != NULL; j++) {
      const gchar *id = record->sites[j];
      HnSite *site = hn_config_get_site (self->config, id);
      HnHubMeeting *other = g_hash_table_lookup (self->site_meeting, id);

      if (site == NULL || hn_site_get_tier (site) == HN_TIER_HUB)
        g_warning ("meeting %s: site %s is no longer in sites.conf, resuming without it",
                   record->id, id);
      else if (other != NULL)
        g_warning ("meeting %s: site %s is now in meeting %s, resuming without it", record->id, id,
                   hn_meeting_get_id (other->meeting));
      else
        g_ptr_array_add (sites, g_object_ref (site));
    }
    if (sites->len == 0) {
      g_warning ("meeting %s: none of its sites is left, not resumed", record->id);
      continue;
    }
    request.id = record->id;
    request.title = record->title;
    request.source = record->source;
    request.layout = record->layout;
    request.monitor = record->monitor;
    hm = hn_hub_start_sites (self, &request, sites, &error);
    if (hm == NULL) {
      g_warning ("cannot resume meeting %s: %s", record->id, error->message);
      g_clear_error (&error);
      continue;
    }
    hm->started_us = record->started_us;
    for (guint j = 0; record->muted[j] != NULL; j++) {
      if (hn_meeting_has_site (hm->meeting, record->muted[j]))
        hn_meeting_set_muted (hm->meeting, record->muted[j], TRUE, NULL);
    }
    if (record->floor != NULL && hn_meeting_has_site (hm->meeting, record->floor))
      hn_meeting_set_floor (hm->meeting, record->floor, NULL);
    since_text = since != NULL ? g_date_time_format (since, "%F %T") : g_strdup ("?");
    g_log_structured (
        G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "MEETING_ID", record->id, "MESSAGE",
        "meeting %s resumed after a restart: %u sites, floor %s, layout %s, running "
        "since %s",
        record->id, sites->len,
        hn_meeting_get_floor (hm->meeting) != NULL ? hn_meeting_get_floor (hm->meeting) : "nobody",
        record->layout, since_text);
    resumed++;
  }
  /* what was left out is gone from the file too */
  hn_hub_save_running (self);
  return resumed;
}

/**
 * hn_hub_stop_meeting:
 *
 * Ends a meeting; its rooms go back to standby.
 */
gboolean
hn_hub_stop_meeting (HnHub *self, const gchar *meeting_id, GError **error)
{
  HnHubMeeting *hm;
  GList *joined;
  GPtrArray *sites;
  g_autofree gchar *id = g_strdup (meeting_id);

  g_return_val_if_fail (HN_IS_HUB (self), FALSE);

  hm = hn_hub_lookup (self, meeting_id, error);
  if (hm == NULL)
    return FALSE;
  g_clear_signal_handler (&hm->changed_id, hm->meeting);
  joined = g_hash_table_get_keys (hm->joined);
  for (GList *l = joined; l != NULL; l = l->next) {
    g_autofree gchar *site = g_strdup (l->data);

    hn_hub_meeting_leave (hm, site, TRUE);
  }
  g_list_free (joined);
  sites = hn_meeting_get_sites (hm->meeting);
  for (guint i = 0; i < sites->len; i++) {
    g_hash_table_remove (self->site_meeting, sites->pdata[i]);
    hn_link_health_set_meeting (self->health, sites->pdata[i], NULL);
  }
  g_hash_table_remove (self->meetings, id);
  g_ptr_array_remove (self->meeting_order, hm);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "MEETING_ID", id, "MESSAGE",
                    "meeting %s stopped", id);
  hn_hub_emit_meeting_event (self, "meeting-stopped", id, NULL);
  hn_hub_save_running (self);
  if (self->scheduler != NULL && !self->closing) {
    /* stopped by hand or by the schedule: this occurrence is over either
     * way, and is not started again */
    hn_scheduler_record_stopped (self->scheduler, id);
    hn_hub_save_schedule (self);
  }
  hn_hub_emit_changed (self);
  return TRUE;
}

/**
 * hn_hub_get_meeting:
 *
 * Returns: (transfer none): the running meeting, or %NULL with
 *   HN_ERROR_NOT_FOUND
 */
HnMeeting *
hn_hub_get_meeting (HnHub *self, const gchar *meeting_id, GError **error)
{
  HnHubMeeting *hm;

  g_return_val_if_fail (HN_IS_HUB (self), NULL);

  hm = hn_hub_lookup (self, meeting_id, error);
  return hm != NULL ? hm->meeting : NULL;
}

/**
 * hn_hub_list_meetings:
 *
 * Returns: (transfer container) (element-type HnMeeting): the running
 *   meetings, in the order they started
 */
GPtrArray *
hn_hub_list_meetings (HnHub *self)
{
  GPtrArray *list = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_val_if_fail (HN_IS_HUB (self), list);

  for (guint i = 0; i < self->meeting_order->len; i++)
    g_ptr_array_add (list,
                     g_object_ref (((HnHubMeeting *) self->meeting_order->pdata[i])->meeting));
  return list;
}

gboolean
hn_hub_add_site (HnHub *self, const gchar *meeting_id, const gchar *site_id, GError **error)
{
  HnHubMeeting *hm;
  HnHubMeeting *other;
  HnSite *site;

  g_return_val_if_fail (HN_IS_HUB (self), FALSE);

  hm = hn_hub_lookup (self, meeting_id, error);
  if (hm == NULL)
    return FALSE;
  site = hn_config_get_site (self->config, site_id);
  if (site == NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND, "no site '%s'", site_id);
    return FALSE;
  }
  if (hn_site_get_tier (site) == HN_TIER_HUB) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "%s is the hub: it chairs every meeting and is no participant", site_id);
    return FALSE;
  }
  other = g_hash_table_lookup (self->site_meeting, site_id);
  if (other != NULL && other != hm) {
    g_set_error (error, HN_ERROR, HN_ERROR_CONFLICT, "site %s is already in meeting %s", site_id,
                 hn_meeting_get_id (other->meeting));
    return FALSE;
  }
  if (!hn_meeting_add_site (hm->meeting, site, error))
    return FALSE;
  g_hash_table_insert (self->site_meeting, (gpointer) hn_site_get_id (site), hm);
  if (hn_control_server_is_online (self->control, site_id))
    hn_hub_meeting_join (hm, site_id);
  return TRUE;
}

gboolean
hn_hub_remove_site (HnHub *self, const gchar *meeting_id, const gchar *site_id, GError **error)
{
  HnHubMeeting *hm;
  g_autofree gchar *id = g_strdup (site_id);

  g_return_val_if_fail (HN_IS_HUB (self), FALSE);

  hm = hn_hub_lookup (self, meeting_id, error);
  if (hm == NULL)
    return FALSE;
  if (!hn_meeting_has_site (hm->meeting, id)) {
    g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND, "%s is not in meeting %s", id, meeting_id);
    return FALSE;
  }
  hn_hub_meeting_leave (hm, id, TRUE);
  g_hash_table_remove (self->site_meeting, id);
  hn_link_health_set_meeting (self->health, id, NULL);
  return hn_meeting_remove_site (hm->meeting, id, error);
}

gboolean
hn_hub_set_floor (HnHub *self, const gchar *meeting_id, const gchar *site_id, GError **error)
{
  HnHubMeeting *hm;

  g_return_val_if_fail (HN_IS_HUB (self), FALSE);

  hm = hn_hub_lookup (self, meeting_id, error);
  return hm != NULL && hn_meeting_set_floor (hm->meeting, site_id, error);
}

gboolean
hn_hub_set_muted (
    HnHub *self, const gchar *meeting_id, const gchar *site_id, gboolean muted, GError **error)
{
  HnHubMeeting *hm;

  g_return_val_if_fail (HN_IS_HUB (self), FALSE);

  hm = hn_hub_lookup (self, meeting_id, error);
  if (hm == NULL || !hn_meeting_set_muted (hm->meeting, site_id, muted, error))
    return FALSE;
  /* the hub stops mixing the room at once; the room is told too, so it can
   * show it and stop sending sound */
  if (g_hash_table_contains (hm->joined, site_id)) {
    g_autoptr (JsonNode) message = hn_control_message_new_mute (meeting_id, muted);

    hn_control_server_send (self->control, site_id, message, NULL);
  }
  return TRUE;
}

gboolean
hn_hub_set_layout (HnHub *self, const gchar *meeting_id, const gchar *layout, GError **error)
{
  HnHubMeeting *hm;
  HnLayout l;

  g_return_val_if_fail (HN_IS_HUB (self), FALSE);

  hm = hn_hub_lookup (self, meeting_id, error);
  if (hm == NULL)
    return FALSE;
  if (layout == NULL || !hn_layout_from_string (layout, &l)) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "unknown layout '%s'; expected single, pip or grid", layout);
    return FALSE;
  }
  hn_meeting_set_layout (hm->meeting, l);
  return TRUE;
}

/**
 * hn_hub_get_program_sdp:
 *
 * Returns: the SDP of the program as sent to the meeting's monitor
 */
gchar *
hn_hub_get_program_sdp (HnHub *self, const gchar *meeting_id, GError **error)
{
  HnHubMeeting *hm;

  g_return_val_if_fail (HN_IS_HUB (self), NULL);

  hm = hn_hub_lookup (self, meeting_id, error);
  if (hm == NULL)
    return NULL;
  if (hm->monitor_host == NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND,
                 "meeting %s has no monitor output; start it with a monitor HOST:PORT", meeting_id);
    return NULL;
  }
  return hn_program_get_sdp (hm->program, hm->monitor_host, hm->monitor_port, hm->monitor_port + 2,
                             error);
}

static void
hn_hub_add_stream_json (JsonBuilder *b,
                        HnReturnReceiver *receiver,
                        const gchar *site_id,
                        HnLegStream stream,
                        gint64 now)
{
  HnLegStreamStats st;

  json_builder_set_member_name (b, stream == HN_LEG_VIDEO ? "video" : "audio");
  json_builder_begin_object (b);
  if (hn_return_receiver_get_stats (receiver, site_id, stream, &st)) {
    json_builder_set_member_name (b, "packets");
    json_builder_add_int_value (b, st.packets);
    json_builder_set_member_name (b, "last-packet-age-ms");
    if (st.last_packet_us > 0)
      json_builder_add_int_value (b, (now - st.last_packet_us) / 1000);
    else
      json_builder_add_null_value (b);
    json_builder_set_member_name (b, "jitter-ms");
    json_builder_add_double_value (b, st.jitter_ms);
    json_builder_set_member_name (b, "packets-lost");
    json_builder_add_int_value (b, st.packets_lost);
    json_builder_set_member_name (b, "decoded");
    json_builder_add_boolean_value (b, st.decoded);
  }
  json_builder_end_object (b);
}

/**
 * hn_hub_meeting_to_json:
 *
 * Returns: the meeting as the API shows it, with each participant's link
 */
JsonNode *
hn_hub_meeting_to_json (HnHub *self, HnMeeting *meeting)
{
  g_autoptr (JsonNode) node = NULL;
  HnHubMeeting *hm;
  JsonObject *o;
  JsonArray *participants;
  gint64 now = g_get_monotonic_time ();

  g_return_val_if_fail (HN_IS_HUB (self), NULL);
  g_return_val_if_fail (HN_IS_MEETING (meeting), NULL);

  hm = g_hash_table_lookup (self->meetings, hn_meeting_get_id (meeting));
  node = hn_meeting_to_json (meeting);
  o = json_node_get_object (node);
  participants = json_object_get_array_member (o, "participants");
  for (guint i = 0; participants != NULL && i < json_array_get_length (participants); i++) {
    JsonObject *p = json_array_get_object_element (participants, i);
    const gchar *id = json_object_get_string_member (p, "id");
    g_autoptr (JsonBuilder) b = json_builder_new ();

    json_object_set_boolean_member (p, "online", hn_control_server_is_online (self->control, id));
    json_object_set_boolean_member (p, "joined",
                                    hm != NULL && g_hash_table_contains (hm->joined, id));
    json_object_set_string_member (
        p, "link", hn_link_state_to_string (hn_link_health_get_state (self->health, id)));
    json_builder_begin_object (b);
    hn_hub_add_stream_json (b, self->receiver, id, HN_LEG_VIDEO, now);
    hn_hub_add_stream_json (b, self->receiver, id, HN_LEG_AUDIO, now);
    json_builder_end_object (b);
    json_object_set_member (p, "media", json_builder_get_root (b));
  }
  if (hm != NULL) {
    g_autoptr (JsonBuilder) b = json_builder_new ();

    if (hm->monitor != NULL)
      json_object_set_string_member (o, "monitor", hm->monitor);
    else
      json_object_set_null_member (o, "monitor");
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "frames-encoded");
    json_builder_add_int_value (b, hn_program_get_frames_encoded (hm->program));
    json_builder_set_member_name (b, "destinations");
    json_builder_add_int_value (b, hn_program_get_n_destinations (hm->program));
    json_builder_end_object (b);
    json_object_set_member (o, "program", json_builder_get_root (b));
  }
  return g_steal_pointer (&node);
}
