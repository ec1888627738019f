/* HnSecrets: the hub's master key, and the per-site tokens of the control
 * channel derived from it (see hn-secrets.h for the derivation).
 *
 * Deriving the tokens instead of storing them keeps one secret to guard
 * and back up, lets the hub check any site's token without a table that
 * a reload must keep in step with sites.conf, and lets an operator make a
 * token for a new room with one command. The key comes from getrandom(2):
 * GLib's g_random is a Mersenne Twister, predictable from its output. */

#define G_LOG_DOMAIN "hoinghi-secrets"

#include "hn-secrets.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hn-error.h"

#define TOKEN_PREFIX "hoinghi-site-token:"
/* 64 hex digits and a newline, with room to notice a longer file */
#define KEY_FILE_MAX 128

struct _HnSecrets {
  GObject parent_instance;

  gchar *path;
  guint8 key[HN_SECRETS_KEY_SIZE];
};

G_DEFINE_FINAL_TYPE (HnSecrets, hn_secrets, G_TYPE_OBJECT)

static void
hn_secrets_finalize (GObject *object)
{
  HnSecrets *self = HN_SECRETS (object);

  /* do not leave the key in freed memory */
  explicit_bzero (self->key, sizeof self->key);
  g_free (self->path);

  G_OBJECT_CLASS (hn_secrets_parent_class)->finalize (object);
}

static void
hn_secrets_class_init (HnSecretsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hn_secrets_finalize;
}

static void
hn_secrets_init (HnSecrets *self)
{
}

static gboolean
hn_secrets_parse_key (HnSecrets *self, const gchar *text, gsize len, GError **error)
{
  /* one trailing newline (and a stray CR or space) is fine */
  while (len > 0 && g_ascii_isspace (text[len - 1]))
    len--;
  if (len != 2 * HN_SECRETS_KEY_SIZE) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "%s: not a control key (expected %d hex digits and a newline)", self->path,
                 2 * HN_SECRETS_KEY_SIZE);
    return FALSE;
  }
  for (gsize i = 0; i < HN_SECRETS_KEY_SIZE; i++) {
    gint hi = g_ascii_xdigit_value (text[2 * i]);
    gint lo = g_ascii_xdigit_value (text[2 * i + 1]);

    if (hi < 0 || lo < 0) {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                   "%s: not a control key (expected %d hex digits and a newline)", self->path,
                   2 * HN_SECRETS_KEY_SIZE);
      return FALSE;
    }
    self->key[i] = (guint8) (hi << 4 | lo);
  }
  return TRUE;
}

/* Reads the key from the open file @fd, after checking that only its
 * owner may access it. */
static gboolean
hn_secrets_read_fd (HnSecrets *self, int fd, GError **error)
{
  gchar buf[KEY_FILE_MAX + 1];
  gsize len = 0;
  struct stat st;

  if (fstat (fd, &st) != 0) {
    int saved_errno = errno;

    g_set_error (error, HN_ERROR, HN_ERROR_FAILED, "%s: %s", self->path, g_strerror (saved_errno));
    return FALSE;
  }
  if (!S_ISREG (st.st_mode)) {
    g_set_error (error, HN_ERROR, HN_ERROR_FAILED, "%s: not a regular file", self->path);
    return FALSE;
  }
  if ((st.st_mode & 0077) != 0) {
    g_set_error (error, HN_ERROR, HN_ERROR_FAILED,
                 "%s: mode %04o lets the group or others at the control key; it must be 0600",
                 self->path, (guint) (st.st_mode & 07777));
    return FALSE;
  }

  while (len < sizeof buf) {
    ssize_t n = read (fd, buf + len, sizeof buf - len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int saved_errno = errno;

      explicit_bzero (buf, sizeof buf);
      g_set_error (error, HN_ERROR, HN_ERROR_FAILED, "%s: %s", self->path,
                   g_strerror (saved_errno));
      return FALSE;
    }
    if (n == 0)
      break;
    len += n;
  }
  if (!hn_secrets_parse_key (self, buf, len, error)) {
    explicit_bzero (buf, sizeof buf);
    return FALSE;
  }
  explicit_bzero (buf, sizeof buf);
  return TRUE;
}

static gboolean
hn_secrets_create (HnSecrets *self, GError **error)
{
  gchar text[2 * HN_SECRETS_KEY_SIZE + 2];
  gsize got = 0;
  gboolean ok;

  while (got < sizeof self->key) {
    ssize_t n = getrandom (self->key + got, sizeof self->key - got, 0);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int saved_errno = errno;

      g_set_error (error, HN_ERROR, HN_ERROR_FAILED, "%s: cannot make a control key: %s",
                   self->path, g_strerror (saved_errno));
      return FALSE;
    }
    got += n;
  }
  for (gsize i = 0; i < HN_SECRETS_KEY_SIZE; i++)
    g_snprintf (text + 2 * i, 3, "%02x", self->key[i]);
  text[2 * HN_SECRETS_KEY_SIZE] = '\n';
  text[2 * HN_SECRETS_KEY_SIZE + 1] = '\0';

  /* written to a temporary file and renamed: a crash leaves either no key
   * or a whole one, never a truncated key that changes every token */
  ok = g_file_set_contents_full (self->path, text, 2 * HN_SECRETS_KEY_SIZE + 1,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
  explicit_bzero (text, sizeof text);
  if (!ok) {
    hn_error_convert (error);
    return FALSE;
  }
  g_message ("made a new control key in %s; sites need new tokens", self->path);
  return TRUE;
}

/**
 * hn_secrets_new_from_file:
 * @path: the key file
 * @create: whether to make a new key when @path does not exist
 *
 * Loads the master key from @path. A missing file is an HN_ERROR_NOT_FOUND
 * error unless @create is set; a file that the group or others may access
 * is an HN_ERROR_FAILED error; a file that holds no key is an
 * HN_ERROR_INVALID_ARGUMENT error.
 *
 * Returns: (transfer full): the secrets, or %NULL with @error set
 */
HnSecrets *
hn_secrets_new_from_file (const gchar *path, gboolean create, GError **error)
{
  g_autoptr (HnSecrets) self = NULL;
  int fd;
  gboolean ok;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (HN_TYPE_SECRETS, NULL);
  self->path = g_strdup (path);

  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    int saved_errno = errno;

    if (saved_errno == ENOENT && create) {
      if (!hn_secrets_create (self, error))
        return NULL;
      return g_steal_pointer (&self);
    }
    g_set_error (error, HN_ERROR, saved_errno == ENOENT ? HN_ERROR_NOT_FOUND : HN_ERROR_FAILED,
                 "%s: %s", path, g_strerror (saved_errno));
    return NULL;
  }
  ok = hn_secrets_read_fd (self, fd, error);
  close (fd);
  if (!ok)
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * hn_secrets_get_path:
 *
 * Returns: the key file
 */
const gchar *
hn_secrets_get_path (HnSecrets *self)
{
  g_return_val_if_fail (HN_IS_SECRETS (self), NULL);
  return self->path;
}

/**
 * hn_secrets_get_site_token:
 *
 * Returns: (transfer full): the token of @site_id, 64 lowercase hex digits
 */
gchar *
hn_secrets_get_site_token (HnSecrets *self, const gchar *site_id)
{
  g_autoptr (GHmac) hmac = NULL;

  g_return_val_if_fail (HN_IS_SECRETS (self), NULL);
  g_return_val_if_fail (site_id != NULL, NULL);

  hmac = g_hmac_new (G_CHECKSUM_SHA256, self->key, sizeof self->key);
  g_hmac_update (hmac, (const guchar *) TOKEN_PREFIX, strlen (TOKEN_PREFIX));
  g_hmac_update (hmac, (const guchar *) site_id, strlen (site_id));
  return g_strdup (g_hmac_get_string (hmac));
}

/**
 * hn_secrets_check_site_token:
 * @token: (nullable): what the site presented
 *
 * Compares @token with the token of @site_id in constant time, so that how
 * long a refusal takes tells nothing about how much of a guess was right.
 * Tokens are compared as written: lowercase hex.
 *
 * Returns: whether @token is the token of @site_id
 */
gboolean
hn_secrets_check_site_token (HnSecrets *self, const gchar *site_id, const gchar *token)
{
  g_autofree gchar *expected = NULL;
  gsize len;
  guint diff = 0;

  g_return_val_if_fail (HN_IS_SECRETS (self), FALSE);
  g_return_val_if_fail (site_id != NULL, FALSE);

  if (token == NULL)
    return FALSE;
  expected = hn_secrets_get_site_token (self, site_id);
  len = strlen (expected);
  /* the length of a token is public (64), so leaving early on a wrong
   * length gives nothing away */
  if (strlen (token) != len)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    diff |= (guint) (expected[i] ^ token[i]);
  return diff == 0;
}
