/* HnMeeting: the state of one running meeting as operators and the media
 * layer see it: who takes part, who holds the floor, who asked for it,
 * who is muted, and the layout of the program picture.
 *
 * Plain state, no media and no clock: the daemon changes it on behalf of
 * the API, the control channel and the schedule, and the program pipeline
 * follows it through the "changed" signal and the derived views
 * (hn_meeting_get_visible(), hn_meeting_get_audible(),
 * hn_meeting_compute_layout()). Every successful change emits "changed"
 * exactly once, with flags saying what it touched; a refused change or a
 * no-op emits nothing, so a listener can rebuild on every emission.
 *
 * The chair (the hub's own source) is not a site and not a participant;
 * it is always in the program and always mixed. */

#define G_LOG_DOMAIN "hoinghi-meeting"

#include "hn-meeting.h"

struct _HnMeeting {
  GObject parent_instance;

  gchar *id;
  gchar *title;
  gchar *source;
  HnLayout layout;
  GPtrArray *sites;    /* of HnSite, participants in selection order */
  GPtrArray *site_ids; /* their ids (owned by the sites), NULL-terminated */
  gchar *floor;        /* nullable */
  GPtrArray *requests; /* of gchar *, FIFO, NULL-terminated */
  GPtrArray *history;  /* of gchar *, previous floor holders, most recent first */
  GHashTable *muted;   /* set of gchar * */
};

G_DEFINE_FINAL_TYPE (HnMeeting, hn_meeting, G_TYPE_OBJECT)

G_DEFINE_FLAGS_TYPE (HnMeetingChange,
                     hn_meeting_change,
                     G_DEFINE_ENUM_VALUE (HN_MEETING_CHANGE_PARTICIPANTS, "participants"),
                     G_DEFINE_ENUM_VALUE (HN_MEETING_CHANGE_FLOOR, "floor"),
                     G_DEFINE_ENUM_VALUE (HN_MEETING_CHANGE_FLOOR_REQUESTS, "floor-requests"),
                     G_DEFINE_ENUM_VALUE (HN_MEETING_CHANGE_MUTE, "mute"),
                     G_DEFINE_ENUM_VALUE (HN_MEETING_CHANGE_LAYOUT, "layout"))

enum { SIGNAL_CHANGED, N_SIGNALS };

static guint signals[N_SIGNALS];

static void
hn_meeting_finalize (GObject *object)
{
  HnMeeting *self = HN_MEETING (object);

  g_free (self->id);
  g_free (self->title);
  g_free (self->source);
  g_free (self->floor);
  /* the ids point into the sites */
  g_ptr_array_unref (self->site_ids);
  g_ptr_array_unref (self->sites);
  g_ptr_array_unref (self->requests);
  g_ptr_array_unref (self->history);
  g_hash_table_unref (self->muted);

  G_OBJECT_CLASS (hn_meeting_parent_class)->finalize (object);
}

static void
hn_meeting_class_init (HnMeetingClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hn_meeting_finalize;

  /**
   * HnMeeting::changed:
   * @flags: the #HnMeetingChange flags of what changed
   *
   * Emitted once after every change that took effect.
   */
  signals[SIGNAL_CHANGED] =
      g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 1, HN_TYPE_MEETING_CHANGE);
}

static void
hn_meeting_init (HnMeeting *self)
{
  self->sites = g_ptr_array_new_with_free_func (g_object_unref);
  self->site_ids = g_ptr_array_new_null_terminated (16, NULL, TRUE);
  self->requests = g_ptr_array_new_null_terminated (4, g_free, TRUE);
  self->history = g_ptr_array_new_with_free_func (g_free);
  self->muted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

static void
hn_meeting_emit (HnMeeting *self, HnMeetingChange flags)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0, flags);
}

/* Removes @id from a GPtrArray of strings; returns whether it was there. */
static gboolean
hn_meeting_strings_remove (GPtrArray *strings, const gchar *id)
{
  guint index;

  if (!g_ptr_array_find_with_equal_func (strings, id, g_str_equal, &index))
    return FALSE;
  g_ptr_array_remove_index (strings, index);
  return TRUE;
}

static gint
hn_meeting_find (HnMeeting *self, const gchar *site_id)
{
  for (guint i = 0; i < self->site_ids->len; i++) {
    if (g_str_equal (self->site_ids->pdata[i], site_id))
      return (gint) i;
  }
  return -1;
}

static gboolean
hn_meeting_check_participant (HnMeeting *self, const gchar *site_id, GError **error)
{
  if (hn_meeting_find (self, site_id) >= 0)
    return TRUE;
  g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND,
               "site '%s' is not a participant of meeting '%s'", site_id, self->id);
  return FALSE;
}

static gboolean
hn_meeting_append_site (HnMeeting *self, HnSite *site, GError **error)
{
  const gchar *site_id = hn_site_get_id (site);

  if (hn_site_get_tier (site) == HN_TIER_HUB) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "'%s' is the hub, which chairs every meeting and is never a participant", site_id);
    return FALSE;
  }
  if (hn_meeting_find (self, site_id) >= 0) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "site '%s' is already a participant of meeting '%s'", site_id, self->id);
    return FALSE;
  }
  g_ptr_array_add (self->sites, g_object_ref (site));
  g_ptr_array_add (self->site_ids, (gpointer) site_id);
  return TRUE;
}

/**
 * hn_meeting_new:
 * @id: used in unit names (hoinghi-meeting@ID), so it follows the rules
 *   of site ids (hn_site_id_is_valid())
 * @title: (nullable): what operators read; defaults to @id
 * @source: the chair source, opaque here: "test", "camera" or a URI
 * @sites: (element-type HnSite): the participants, in selection order;
 *   not empty, no hub, no site twice
 *
 * Returns: (transfer full): a meeting with nobody on the floor, or %NULL
 *   with @error set (%HN_ERROR_INVALID_ARGUMENT)
 */
HnMeeting *
hn_meeting_new (const gchar *id,
                const gchar *title,
                const gchar *source,
                HnLayout layout,
                GPtrArray *sites,
                GError **error)
{
  g_autoptr (HnMeeting) self = NULL;

  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (source != NULL, NULL);
  g_return_val_if_fail (layout < HN_LAYOUT_LAST, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!hn_site_id_is_valid (id)) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "invalid meeting id '%s': use lowercase ASCII letters, digits and '-', starting "
                 "with a letter, not ending with '-', at most 63 characters",
                 id);
    return NULL;
  }
  if (*source == '\0') {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "meeting '%s' has an empty source",
                 id);
    return NULL;
  }
  if (sites == NULL || sites->len == 0) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "meeting '%s' has no participant", id);
    return NULL;
  }

  self = g_object_new (HN_TYPE_MEETING, NULL);
  self->id = g_strdup (id);
  self->title = g_strdup (title != NULL ? title : id);
  self->source = g_strdup (source);
  self->layout = layout;
  for (guint i = 0; i < sites->len; i++) {
    g_return_val_if_fail (HN_IS_SITE (sites->pdata[i]), NULL);
    if (!hn_meeting_append_site (self, sites->pdata[i], error))
      return NULL;
  }
  return g_steal_pointer (&self);
}

const gchar *
hn_meeting_get_id (HnMeeting *self)
{
  g_return_val_if_fail (HN_IS_MEETING (self), NULL);
  return self->id;
}

const gchar *
hn_meeting_get_title (HnMeeting *self)
{
  g_return_val_if_fail (HN_IS_MEETING (self), NULL);
  return self->title;
}

const gchar *
hn_meeting_get_source (HnMeeting *self)
{
  g_return_val_if_fail (HN_IS_MEETING (self), NULL);
  return self->source;
}

/**
 * hn_meeting_add_site:
 *
 * Adds @site as the last participant.
 *
 * Returns: %FALSE with %HN_ERROR_INVALID_ARGUMENT when it already takes
 *   part or is the hub
 */
gboolean
hn_meeting_add_site (HnMeeting *self, HnSite *site, GError **error)
{
  g_return_val_if_fail (HN_IS_MEETING (self), FALSE);
  g_return_val_if_fail (HN_IS_SITE (site), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!hn_meeting_append_site (self, site, error))
    return FALSE;
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "MEETING_ID", self->id, "SITE_ID",
                    hn_site_get_id (site), "MESSAGE", "%s: %s joins", self->id,
                    hn_site_get_id (site));
  hn_meeting_emit (self, HN_MEETING_CHANGE_PARTICIPANTS);
  return TRUE;
}

/**
 * hn_meeting_remove_site:
 *
 * Removes a participant, with its floor, its floor request and its mute.
 * A meeting keeps at least one participant: to remove the last one, stop
 * the meeting.
 *
 * Returns: %FALSE with %HN_ERROR_NOT_FOUND when @site_id does not take
 *   part, %HN_ERROR_INVALID_ARGUMENT when it is the last participant
 */
gboolean
hn_meeting_remove_site (HnMeeting *self, const gchar *site_id, GError **error)
{
  /* @site_id may point into what is removed below */
  g_autofree gchar *id = NULL;
  HnMeetingChange flags = HN_MEETING_CHANGE_PARTICIPANTS;
  gint index;

  g_return_val_if_fail (HN_IS_MEETING (self), FALSE);
  g_return_val_if_fail (site_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  id = g_strdup (site_id);
  if (!hn_meeting_check_participant (self, id, error))
    return FALSE;
  if (self->sites->len == 1) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "site '%s' is the last participant of meeting '%s'; stop the meeting instead", id,
                 self->id);
    return FALSE;
  }

  if (g_strcmp0 (self->floor, id) == 0) {
    g_clear_pointer (&self->floor, g_free);
    flags |= HN_MEETING_CHANGE_FLOOR;
  }
  hn_meeting_strings_remove (self->history, id);
  if (hn_meeting_strings_remove (self->requests, id))
    flags |= HN_MEETING_CHANGE_FLOOR_REQUESTS;
  if (g_hash_table_remove (self->muted, id))
    flags |= HN_MEETING_CHANGE_MUTE;
  index = hn_meeting_find (self, id);
  g_ptr_array_remove_index (self->site_ids, index);
  g_ptr_array_remove_index (self->sites, index);

  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "MEETING_ID", self->id, "SITE_ID", id,
                    "MESSAGE", "%s: %s leaves%s", self->id, id,
                    (flags & HN_MEETING_CHANGE_FLOOR) ? ", nobody has the floor" : "");
  hn_meeting_emit (self, flags);
  return TRUE;
}

gboolean
hn_meeting_has_site (HnMeeting *self, const gchar *site_id)
{
  g_return_val_if_fail (HN_IS_MEETING (self), FALSE);
  g_return_val_if_fail (site_id != NULL, FALSE);
  return hn_meeting_find (self, site_id) >= 0;
}

/**
 * hn_meeting_get_site:
 *
 * Returns: (transfer none) (nullable): the participant with @site_id
 */
HnSite *
hn_meeting_get_site (HnMeeting *self, const gchar *site_id)
{
  gint index;

  g_return_val_if_fail (HN_IS_MEETING (self), NULL);
  g_return_val_if_fail (site_id != NULL, NULL);

  index = hn_meeting_find (self, site_id);
  return index >= 0 ? self->sites->pdata[index] : NULL;
}

/**
 * hn_meeting_get_sites:
 *
 * Returns: (transfer none) (element-type utf8): the ids of the
 *   participants in order, %NULL-terminated (so pdata is a strv); valid
 *   until the next change of the participants
 */
GPtrArray *
hn_meeting_get_sites (HnMeeting *self)
{
  g_return_val_if_fail (HN_IS_MEETING (self), NULL);
  return self->site_ids;
}

/**
 * hn_meeting_get_participants:
 *
 * Returns: (transfer none) (element-type HnSite): the participants in
 *   order; valid until the next change of the participants
 */
GPtrArray *
hn_meeting_get_participants (HnMeeting *self)
{
  g_return_val_if_fail (HN_IS_MEETING (self), NULL);
  return self->sites;
}

/**
 * hn_meeting_set_floor:
 * @site_id: (nullable): the participant to give the floor to, or %NULL
 *   to take it back (the chair alone)
 *
 * Granting the floor takes the site out of the request queue; the site
 * that held it becomes the most recent previous holder.
 *
 * Returns: %FALSE with %HN_ERROR_NOT_FOUND when @site_id does not take part
 */
gboolean
hn_meeting_set_floor (HnMeeting *self, const gchar *site_id, GError **error)
{
  /* @site_id may be an entry of the queue or history edited below */
  g_autofree gchar *id = NULL;
  HnMeetingChange flags = HN_MEETING_CHANGE_FLOOR;

  g_return_val_if_fail (HN_IS_MEETING (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  id = g_strdup (site_id);
  if (id != NULL && !hn_meeting_check_participant (self, id, error))
    return FALSE;
  if (g_strcmp0 (self->floor, id) == 0)
    return TRUE;

  if (self->floor != NULL) {
    hn_meeting_strings_remove (self->history, self->floor);
    g_ptr_array_insert (self->history, 0, g_steal_pointer (&self->floor));
  }
  if (id != NULL) {
    hn_meeting_strings_remove (self->history, id);
    if (hn_meeting_strings_remove (self->requests, id))
      flags |= HN_MEETING_CHANGE_FLOOR_REQUESTS;
  }
  self->floor = g_strdup (id);

  if (id != NULL)
    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "MEETING_ID", self->id, "SITE_ID", id,
                      "MESSAGE", "%s: %s has the floor", self->id, id);
  else
    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "MEETING_ID", self->id, "MESSAGE",
                      "%s: nobody has the floor", self->id);
  hn_meeting_emit (self, flags);
  return TRUE;
}

/**
 * hn_meeting_get_floor:
 *
 * Returns: (nullable): the participant holding the floor
 */
const gchar *
hn_meeting_get_floor (HnMeeting *self)
{
  g_return_val_if_fail (HN_IS_MEETING (self), NULL);
  return self->floor;
}

/**
 * hn_meeting_request_floor:
 *
 * Queues a request for the floor, first come first served. Asking again
 * keeps the first place in the queue; the floor holder asking changes
 * nothing.
 *
 * Returns: %FALSE with %HN_ERROR_NOT_FOUND when @site_id does not take part
 */
gboolean
hn_meeting_request_floor (HnMeeting *self, const gchar *site_id, GError **error)
{
  g_return_val_if_fail (HN_IS_MEETING (self), FALSE);
  g_return_val_if_fail (site_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!hn_meeting_check_participant (self, site_id, error))
    return FALSE;
  if (g_strcmp0 (self->floor, site_id) == 0 ||
      g_ptr_array_find_with_equal_func (self->requests, site_id, g_str_equal, NULL))
    return TRUE;

  g_ptr_array_add (self->requests, g_strdup (site_id));
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_INFO, "MEETING_ID", self->id, "SITE_ID", site_id,
                    "MESSAGE", "%s: %s asks for the floor", self->id, site_id);
  hn_meeting_emit (self, HN_MEETING_CHANGE_FLOOR_REQUESTS);
  return TRUE;
}

/**
 * hn_meeting_cancel_floor_request:
 *
 * Withdraws a request for the floor; without one, does nothing.
 *
 * Returns: %FALSE with %HN_ERROR_NOT_FOUND when @site_id does not take part
 */
gboolean
hn_meeting_cancel_floor_request (HnMeeting *self, const gchar *site_id, GError **error)
{
  g_autofree gchar *id = NULL;

  g_return_val_if_fail (HN_IS_MEETING (self), FALSE);
  g_return_val_if_fail (site_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  id = g_strdup (site_id);
  if (!hn_meeting_check_participant (self, id, error))
    return FALSE;
  if (!hn_meeting_strings_remove (self->requests, id))
    return TRUE;

  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_INFO, "MEETING_ID", self->id, "SITE_ID", id,
                    "MESSAGE", "%s: %s no longer asks for the floor", self->id, id);
  hn_meeting_emit (self, HN_MEETING_CHANGE_FLOOR_REQUESTS);
  return TRUE;
}

/**
 * hn_meeting_get_floor_requests:
 *
 * Returns: (transfer none) (element-type utf8): the ids of the sites
 *   asking for the floor, first come first, %NULL-terminated; valid until
 *   the next change of the meeting
 */
GPtrArray *
hn_meeting_get_floor_requests (HnMeeting *self)
{
  g_return_val_if_fail (HN_IS_MEETING (self), NULL);
  return self->requests;
}

/**
 * hn_meeting_set_muted:
 *
 * Mutes or unmutes a participant. A muted site is not mixed even when it
 * holds the floor; the mute stays when it loses the floor.
 *
 * Returns: %FALSE with %HN_ERROR_NOT_FOUND when @site_id does not take part
 */
gboolean
hn_meeting_set_muted (HnMeeting *self, const gchar *site_id, gboolean muted, GError **error)
{
  g_return_val_if_fail (HN_IS_MEETING (self), FALSE);
  g_return_val_if_fail (site_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!hn_meeting_check_participant (self, site_id, error))
    return FALSE;
  if (!!muted == g_hash_table_contains (self->muted, site_id))
    return TRUE;

  if (muted)
    g_hash_table_add (self->muted, g_strdup (site_id));
  else
    g_hash_table_remove (self->muted, site_id);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "MEETING_ID", self->id, "SITE_ID", site_id,
                    "MESSAGE", "%s: %s %s", self->id, site_id, muted ? "muted" : "unmuted");
  hn_meeting_emit (self, HN_MEETING_CHANGE_MUTE);
  return TRUE;
}

/**
 * hn_meeting_is_muted:
 *
 * Returns: %TRUE when @site_id takes part and is muted
 */
gboolean
hn_meeting_is_muted (HnMeeting *self, const gchar *site_id)
{
  g_return_val_if_fail (HN_IS_MEETING (self), FALSE);
  g_return_val_if_fail (site_id != NULL, FALSE);
  return g_hash_table_contains (self->muted, site_id);
}

void
hn_meeting_set_layout (HnMeeting *self, HnLayout layout)
{
  g_return_if_fail (HN_IS_MEETING (self));
  g_return_if_fail (layout < HN_LAYOUT_LAST);

  if (self->layout == layout)
    return;
  self->layout = layout;
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_INFO, "MEETING_ID", self->id, "MESSAGE",
                    "%s: layout %s", self->id, hn_layout_to_string (layout));
  hn_meeting_emit (self, HN_MEETING_CHANGE_LAYOUT);
}

HnLayout
hn_meeting_get_layout (HnMeeting *self)
{
  g_return_val_if_fail (HN_IS_MEETING (self), HN_LAYOUT_SINGLE);
  return self->layout;
}

static void
hn_meeting_add_visible (GPtrArray *visible, const gchar *site_id)
{
  if (visible->len < HN_LAYOUT_GRID_CELLS &&
      !g_ptr_array_find_with_equal_func (visible, site_id, g_str_equal, NULL))
    g_ptr_array_add (visible, g_strdup (site_id));
}

/**
 * hn_meeting_get_visible:
 *
 * The sites a grid shows, whatever the current layout: the floor holder,
 * then the previous floor holders (most recent first), then the other
 * participants in order; at most %HN_LAYOUT_GRID_CELLS. A site that spoke
 * stays on screen rather than giving way to the next in the list.
 *
 * Returns: (transfer full) (element-type utf8): their ids,
 *   %NULL-terminated
 */
GPtrArray *
hn_meeting_get_visible (HnMeeting *self)
{
  g_autoptr (GPtrArray) visible = NULL;

  g_return_val_if_fail (HN_IS_MEETING (self), NULL);

  visible = g_ptr_array_new_null_terminated (HN_LAYOUT_GRID_CELLS, g_free, TRUE);
  if (self->floor != NULL)
    hn_meeting_add_visible (visible, self->floor);
  for (guint i = 0; i < self->history->len; i++)
    hn_meeting_add_visible (visible, self->history->pdata[i]);
  for (guint i = 0; i < self->site_ids->len; i++)
    hn_meeting_add_visible (visible, self->site_ids->pdata[i]);
  return g_steal_pointer (&visible);
}

/**
 * hn_meeting_get_audible:
 *
 * The sites whose sound is mixed with the chair's (the chair is always
 * mixed; it is not a site): the floor holder, unless it is muted.
 *
 * Returns: (transfer full) (element-type utf8): their ids,
 *   %NULL-terminated, possibly empty
 */
GPtrArray *
hn_meeting_get_audible (HnMeeting *self)
{
  g_autoptr (GPtrArray) audible = NULL;

  g_return_val_if_fail (HN_IS_MEETING (self), NULL);

  audible = g_ptr_array_new_null_terminated (1, g_free, TRUE);
  if (self->floor != NULL && !g_hash_table_contains (self->muted, self->floor))
    g_ptr_array_add (audible, g_strdup (self->floor));
  return g_steal_pointer (&audible);
}

/**
 * hn_meeting_compute_layout:
 *
 * The program picture as it should be now: hn_layout_compute() with the
 * meeting's layout, floor holder and visible sites.
 *
 * Returns: (transfer full) (element-type HnLayoutCell): the cells
 */
GArray *
hn_meeting_compute_layout (HnMeeting *self, guint width, guint height)
{
  g_autoptr (GPtrArray) visible = NULL;

  g_return_val_if_fail (HN_IS_MEETING (self), NULL);

  visible = hn_meeting_get_visible (self);
  return hn_layout_compute (self->layout, width, height, self->floor,
                            (const gchar *const *) visible->pdata);
}

static void
hn_meeting_add_strings (JsonBuilder *b, const gchar *name, GPtrArray *strings)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; i < strings->len; i++)
    json_builder_add_string_value (b, strings->pdata[i]);
  json_builder_end_array (b);
}

/**
 * hn_meeting_to_json:
 *
 * The meeting as the API shows it: {"id", "title", "source", "layout",
 * "floor" (an id or null), "participants": [{"id", "muted"}, ...] in
 * order, "floor-requests", "visible" and "audible" (arrays of ids)}.
 * The daemon may add members to the object and to each participant's
 * object (media and link state) before answering.
 *
 * Returns: (transfer full): a JSON object
 */
JsonNode *
hn_meeting_to_json (HnMeeting *self)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (GPtrArray) visible = NULL;
  g_autoptr (GPtrArray) audible = NULL;

  g_return_val_if_fail (HN_IS_MEETING (self), NULL);

  visible = hn_meeting_get_visible (self);
  audible = hn_meeting_get_audible (self);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, self->id);
  json_builder_set_member_name (b, "title");
  json_builder_add_string_value (b, self->title);
  json_builder_set_member_name (b, "source");
  json_builder_add_string_value (b, self->source);
  json_builder_set_member_name (b, "layout");
  json_builder_add_string_value (b, hn_layout_to_string (self->layout));
  json_builder_set_member_name (b, "floor");
  if (self->floor != NULL)
    json_builder_add_string_value (b, self->floor);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "participants");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->site_ids->len; i++) {
    const gchar *site_id = self->site_ids->pdata[i];

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "id");
    json_builder_add_string_value (b, site_id);
    json_builder_set_member_name (b, "muted");
    json_builder_add_boolean_value (b, g_hash_table_contains (self->muted, site_id));
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  hn_meeting_add_strings (b, "floor-requests", self->requests);
  hn_meeting_add_strings (b, "visible", visible);
  hn_meeting_add_strings (b, "audible", audible);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
