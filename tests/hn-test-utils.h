#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

gchar *hn_test_tmpdir_new (void) G_GNUC_WARN_UNUSED_RESULT;
void hn_test_tmpdir_remove (const gchar *dir);
const gchar *hn_test_get_program (const gchar *env_name);
gchar *hn_test_write_file (const gchar *dir,
                           const gchar *name,
                           const gchar *contents) G_GNUC_WARN_UNUSED_RESULT;

typedef struct _HnTestNotify HnTestNotify;

HnTestNotify *hn_test_notify_new (const gchar *path);
const gchar *hn_test_notify_get_path (HnTestNotify *self);
gchar *hn_test_notify_wait (HnTestNotify *self,
                            const gchar *line,
                            guint timeout_ms,
                            GSubprocess *watch) G_GNUC_WARN_UNUSED_RESULT;
void hn_test_notify_free (HnTestNotify *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HnTestNotify, hn_test_notify_free)

typedef struct {
  GSubprocess *proc;
  gchar *dir;
  gchar *socket;
  gchar *state_dir;
  gchar *config;
  gchar *ready_message; /* the datagram that carried READY=1 */
  gint64 ready_us;      /* when it came, monotonic clock */
  HnTestNotify *notify;
  gchar **args; /* hoinghid's arguments besides --socket and --state-dir */
  gchar **env;
} HnTestDaemon;

HnTestDaemon *hn_test_daemon_spawn (const gchar *const *args,
                                    const gchar *const *extra_env,
                                    GError **error);
HnTestDaemon *hn_test_daemon_start (const gchar *config,
                                    const gchar *const *extra_env,
                                    GError **error);
gboolean hn_test_daemon_restart (HnTestDaemon *self, GError **error);
void hn_test_daemon_kill (HnTestDaemon *self);
gint hn_test_daemon_stop (HnTestDaemon *self);
gint hn_test_daemon_wait (HnTestDaemon *self);
void hn_test_daemon_free (HnTestDaemon *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HnTestDaemon, hn_test_daemon_free)

gint hn_test_run_ctl (const gchar *socket, gchar **out, gchar **err, ...) G_GNUC_NULL_TERMINATED;
JsonNode *hn_test_ctl_json (const gchar *socket, ...) G_GNUC_NULL_TERMINATED;
void hn_test_ctl_ok (const gchar *socket, ...) G_GNUC_NULL_TERMINATED;

typedef gboolean (*HnTestPredicate) (gpointer data);
gint64 hn_test_wait (HnTestPredicate predicate, gpointer data, guint timeout_ms);
gint64 hn_test_wait_loop (HnTestPredicate predicate, gpointer data, guint timeout_ms);

HnTestDaemon *hn_test_endpoint_start (guint control_port,
                                      const gchar *site,
                                      const gchar *token_file,
                                      const gchar *hub_fingerprint,
                                      const gchar *const *extra_args);

gint64 hn_test_endpoint_frames (const gchar *socket);
void hn_test_endpoint_dump (HnTestDaemon *ep, const gchar *name);
gboolean hn_test_participant_joined (const gchar *hub_socket,
                                     const gchar *meeting,
                                     const gchar *site);
gboolean hn_test_endpoint_sees (const gchar *socket, const guint8 rgb[3], gint tolerance);
guint hn_test_free_port_block (GSocketType type, guint count);
void hn_test_make_certificate (const gchar *dir, const gchar *name, gchar **fingerprint);
gchar *hn_test_write_secure_config (const gchar *dir,
                                    const gchar *source,
                                    gchar **fingerprint) G_GNUC_WARN_UNUSED_RESULT;
gchar *hn_test_copy_sites_conf (const gchar *dir) G_GNUC_WARN_UNUSED_RESULT;
guint hn_test_slowdown (void);

G_END_DECLS
