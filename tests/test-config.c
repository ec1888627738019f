/* Tests of the inventory loader (HnConfig over HnConfSource) and of
 * HnSite: the shipped sites.conf against the GSO list of Vĩnh Phúc, one
 * committed fixture per class of mistake (tests/data/sites-bad-*.conf)
 * with the exact file, line and wording an operator sees, several
 * problems reported at once, and drop-in merging. */

#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "hn-config.h"
#include "hn-error.h"
#include "hn-site.h"

static const gchar *
fixture (const gchar *name)
{
  return g_test_get_filename (G_TEST_DIST, "data", name, NULL);
}

static const gchar *
shipped_sites_conf (void)
{
  const gchar *path = g_getenv ("HN_SITES_CONF");

  if (path != NULL && *path != '\0')
    return path;
  return g_test_get_filename (G_TEST_DIST, "..", "sites.conf", NULL);
}

static HnConfig *
load_ok (const gchar *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HnConfig) config = hn_config_new_from_file (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  return g_steal_pointer (&config);
}

static guint
count_lines (const gchar *text)
{
  guint n = 1;

  for (const gchar *p = text; *p != '\0'; p++) {
    if (*p == '\n')
      n++;
  }
  return n;
}

/* Checks that @message is exactly @expected, one problem a line, where
 * "@" in @expected stands for @path. */
static void
assert_problems (const gchar *message, const gchar *path, const gchar *const *expected)
{
  g_auto (GStrv) lines = g_strsplit (message, "\n", -1);

  for (guint i = 0; expected[i] != NULL; i++) {
    g_auto (GStrv) parts = g_strsplit (expected[i], "@", -1);
    g_autofree gchar *line = g_strjoinv (path, parts);

    g_assert_nonnull (lines[i]);
    g_assert_cmpstr (lines[i], ==, line);
  }
  g_assert_cmpuint (g_strv_length (lines), ==, g_strv_length ((gchar **) expected));
}

/* The shipped inventory, as tools/sites-from-gso.py generated it from the
 * GSO list of 2022 (vinhphuc-2022-units.csv). */
static const struct {
  const gchar *id;
  const gchar *code;
  guint communes;
} shipped_districts[] = {
  { "tp-vinh-yen", "243", 9 },      { "tp-phuc-yen", "244", 10 },
  { "huyen-lap-thach", "246", 20 }, { "huyen-tam-duong", "247", 13 },
  { "huyen-tam-dao", "248", 9 },    { "huyen-binh-xuyen", "249", 13 },
  { "huyen-yen-lac", "251", 17 },   { "huyen-vinh-tuong", "252", 28 },
  { "huyen-song-lo", "253", 17 },
};

static void
test_shipped_counts (void)
{
  g_autoptr (HnConfig) config = load_ok (shipped_sites_conf ());
  g_autofree gchar *counts = hn_config_describe_counts (config);
  GPtrArray *sites = hn_config_get_sites (config);
  guint per_tier[HN_TIER_LAST] = { 0 };

  g_assert_cmpuint (sites->len, ==, 148);
  g_assert_cmpuint (hn_config_count_tier (config, HN_TIER_HUB), ==, 1);
  g_assert_cmpuint (hn_config_count_tier (config, HN_TIER_DEPARTMENT), ==, 2);
  g_assert_cmpuint (hn_config_count_tier (config, HN_TIER_DISTRICT), ==, 9);
  g_assert_cmpuint (hn_config_count_tier (config, HN_TIER_COMMUNE), ==, 136);
  g_assert_cmpstr (counts, ==, "148 sites (1 hub, 2 departments, 9 districts, 136 communes)");

  /* the counts agree with the sites themselves */
  for (guint i = 0; i < sites->len; i++)
    per_tier[hn_site_get_tier (sites->pdata[i])]++;
  g_assert_cmpuint (per_tier[HN_TIER_HUB], ==, 1);
  g_assert_cmpuint (per_tier[HN_TIER_DEPARTMENT], ==, 2);
  g_assert_cmpuint (per_tier[HN_TIER_DISTRICT], ==, 9);
  g_assert_cmpuint (per_tier[HN_TIER_COMMUNE], ==, 136);

  g_assert_cmpuint (hn_config_get_control_port (config), ==, 8443);
  g_assert_cmpuint (hn_config_get_media_port (config), ==, 5000);
  g_assert_cmpstr (hn_config_get_path (config), ==, shipped_sites_conf ());
  g_assert_cmpstr (hn_config_get_files (config)[0], ==, shipped_sites_conf ());
}

static void
test_shipped_districts (void)
{
  g_autoptr (HnConfig) config = load_ok (shipped_sites_conf ());
  GPtrArray *sites = hn_config_get_sites (config);
  guint total = 0;

  for (guint d = 0; d < G_N_ELEMENTS (shipped_districts); d++) {
    HnSite *district = hn_config_get_site (config, shipped_districts[d].id);
    g_autofree gchar *district_address = g_strdup_printf ("10.26.%s.10", shipped_districts[d].code);
    g_autofree gchar *subnet = g_strdup_printf ("10.26.%s.0/24", shipped_districts[d].code);
    g_autoptr (GInetAddressMask) mask = g_inet_address_mask_new_from_string (subnet, NULL);
    g_autofree gchar *previous_code = NULL;
    guint n = 0;

    g_assert_nonnull (district);
    g_assert_cmpint (hn_site_get_tier (district), ==, HN_TIER_DISTRICT);
    g_assert_cmpstr (hn_site_get_code (district), ==, shipped_districts[d].code);
    g_assert_null (hn_site_get_district (district));
    g_assert_cmpstr (hn_site_get_address (district), ==, district_address);
    g_assert_true (hn_config_lookup_district (config, shipped_districts[d].id) == district);
    g_assert_true (hn_config_lookup_district (config, shipped_districts[d].code) == district);

    /* its communes, in GSO order: .101, .102, ... with rising codes */
    for (guint i = 0; i < sites->len; i++) {
      HnSite *site = sites->pdata[i];
      g_autofree gchar *address = NULL;
      g_autoptr (GInetAddress) inet = NULL;

      if (g_strcmp0 (hn_site_get_district (site), shipped_districts[d].id) != 0)
        continue;
      n++;
      g_assert_cmpint (hn_site_get_tier (site), ==, HN_TIER_COMMUNE);
      g_assert_cmpuint (strlen (hn_site_get_code (site)), ==, 5);
      for (const gchar *c = hn_site_get_code (site); *c != '\0'; c++)
        g_assert_true (g_ascii_isdigit (*c));
      if (previous_code != NULL)
        g_assert_cmpstr (previous_code, <, hn_site_get_code (site));
      g_free (previous_code);
      previous_code = g_strdup (hn_site_get_code (site));

      address = g_strdup_printf ("10.26.%s.%u", shipped_districts[d].code, 100 + n);
      g_assert_cmpstr (hn_site_get_address (site), ==, address);
      inet = g_inet_address_new_from_string (hn_site_get_address (site));
      g_assert_true (g_inet_address_mask_matches (mask, inet));
    }
    g_assert_cmpuint (n, ==, shipped_districts[d].communes);
    total += n;
  }
  g_assert_cmpuint (total, ==, 136);
}

static void
test_shipped_spot_checks (void)
{
  g_autoptr (HnConfig) config = load_ok (shipped_sites_conf ());
  HnSite *dao_tru = hn_config_get_site (config, "xa-dao-tru");
  HnSite *tam_dao = hn_config_get_site (config, "huyen-tam-dao");
  HnSite *hub = hn_config_get_hub (config);
  HnSite *so_tttt = hn_config_get_site (config, "so-tttt");
  const HnMediaSettings *media;

  g_assert_nonnull (dao_tru);
  g_assert_cmpstr (hn_site_get_id (dao_tru), ==, "xa-dao-tru");
  g_assert_cmpstr (hn_site_get_name (dao_tru), ==, "Xã Đạo Trù");
  g_assert_cmpstr (hn_site_get_short_name (dao_tru), ==, "Đạo Trù");
  g_assert_cmpint (hn_site_get_tier (dao_tru), ==, HN_TIER_COMMUNE);
  g_assert_cmpstr (hn_site_get_code (dao_tru), ==, "08914");
  g_assert_cmpstr (hn_site_get_district (dao_tru), ==, "huyen-tam-dao");
  g_assert_cmpstr (hn_site_get_address (dao_tru), ==, "10.26.248.103");
  media = hn_site_get_media (dao_tru);
  g_assert_cmpuint (media->media_port, ==, 5004);
  g_assert_cmpuint (media->video_width, ==, 640);
  g_assert_cmpuint (media->video_height, ==, 360);
  g_assert_cmpuint (media->video_framerate, ==, 25);
  g_assert_cmpuint (media->video_bitrate, ==, 600);
  g_assert_cmpuint (media->audio_bitrate, ==, 32);

  g_assert_nonnull (hub);
  g_assert_cmpstr (hn_site_get_id (hub), ==, "ubnd-tinh");
  g_assert_cmpint (hn_site_get_tier (hub), ==, HN_TIER_HUB);
  g_assert_cmpstr (hn_site_get_code (hub), ==, "26");
  g_assert_cmpstr (hn_site_get_address (hub), ==, "10.26.0.10");
  g_assert_true (hn_config_get_site (config, "ubnd-tinh") == hub);

  g_assert_nonnull (so_tttt);
  g_assert_cmpint (hn_site_get_tier (so_tttt), ==, HN_TIER_DEPARTMENT);
  g_assert_null (hn_site_get_code (so_tttt));
  g_assert_null (hn_site_get_district (so_tttt));

  g_assert_nonnull (tam_dao);
  g_assert_cmpstr (hn_site_get_name (tam_dao), ==, "Huyện Tam Đảo");
  g_assert_true (hn_config_lookup_district (config, "248") == tam_dao);
  g_assert_true (hn_config_lookup_district (config, "huyen-tam-dao") == tam_dao);
  /* only districts are found, by id or by code */
  g_assert_null (hn_config_lookup_district (config, "xa-dao-tru"));
  g_assert_null (hn_config_lookup_district (config, "08914"));
  g_assert_null (hn_config_lookup_district (config, "ubnd-tinh"));
  g_assert_null (hn_config_lookup_district (config, "26"));
  g_assert_null (hn_config_lookup_district (config, "250"));
  g_assert_null (hn_config_get_site (config, "xa-dao-trù"));
  g_assert_null (hn_config_get_site (config, ""));
}

static void
test_shipped_unique (void)
{
  g_autoptr (HnConfig) config = load_ok (shipped_sites_conf ());
  GPtrArray *sites = hn_config_get_sites (config);
  g_autoptr (GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) addresses = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) codes = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GInetAddressMask) province =
      g_inet_address_mask_new_from_string ("10.26.0.0/16", NULL);

  for (guint i = 0; i < sites->len; i++) {
    HnSite *site = sites->pdata[i];
    g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (hn_site_get_address (site));

    g_assert_true (g_hash_table_add (ids, (gpointer) hn_site_get_id (site)));
    g_assert_true (g_hash_table_add (addresses, (gpointer) hn_site_get_address (site)));
    if (hn_site_get_code (site) != NULL)
      g_assert_true (g_hash_table_add (codes, (gpointer) hn_site_get_code (site)));
    g_assert_true (g_inet_address_mask_matches (province, inet));
    g_assert_true (hn_config_get_site (config, hn_site_get_id (site)) == site);
  }
  g_assert_cmpuint (g_hash_table_size (ids), ==, 148);
  g_assert_cmpuint (g_hash_table_size (addresses), ==, 148);
  /* the hub, 9 districts and 136 communes have a GSO code, departments none */
  g_assert_cmpuint (g_hash_table_size (codes), ==, 146);
}

static void
test_minimal (void)
{
  const gchar *path = fixture ("sites-minimal.conf");
  g_autoptr (HnConfig) config = load_ok (path);
  g_autofree gchar *counts = hn_config_describe_counts (config);
  GPtrArray *sites = hn_config_get_sites (config);
  const gchar *const ids[] = { "ubnd-tinh", "so-tttt", "huyen-tam-dao", "tt-tam-dao",
                               "xa-dao-tru" };
  HnSite *tt_tam_dao = hn_config_get_site (config, "tt-tam-dao");
  HnSite *dao_tru = hn_config_get_site (config, "xa-dao-tru");

  g_assert_cmpstr (counts, ==, "5 sites (1 hub, 1 department, 1 district, 2 communes)");
  g_assert_cmpuint (sites->len, ==, G_N_ELEMENTS (ids));
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_assert_cmpstr (hn_site_get_id (sites->pdata[i]), ==, ids[i]);

  /* no minimal.conf.d: only the main file was read */
  g_assert_cmpstr (hn_config_get_files (config)[0], ==, path);
  g_assert_null (hn_config_get_files (config)[1]);

  g_assert_cmpstr (hn_site_get_id (hn_config_get_hub (config)), ==, "ubnd-tinh");
  /* short-name defaults to the name */
  g_assert_cmpstr (hn_site_get_short_name (tt_tam_dao), ==, "Thị trấn Tam Đảo");
  /* [defaults] applies unless the site overrides it */
  g_assert_cmpuint (hn_site_get_media (tt_tam_dao)->video_bitrate, ==, 600);
  g_assert_cmpuint (hn_site_get_media (dao_tru)->video_bitrate, ==, 400);
  g_assert_cmpuint (hn_site_get_media (dao_tru)->audio_bitrate, ==, 32);
}

/* One committed fixture per class of mistake, each with exactly one
 * problem: its code, where it is, and what it says. */
typedef struct {
  const gchar *file;
  HnError code;
  guint line; /* 0: the problem concerns the whole file */
  const gchar *needles[4];
} BadFixture;

static const BadFixture bad_fixtures[] = {
  { "sites-bad-syntax.conf",
    HN_ERROR_CONFIG_SYNTAX,
    22,
    { "'address 10.26.248.103' is neither a group, a key=value pair nor a comment" } },
  { "sites-bad-syntax-group.conf",
    HN_ERROR_CONFIG_SYNTAX,
    17,
    { "malformed group header '[site xa-dao-tru'; expected [name]" } },
  { "sites-bad-key-outside-group.conf",
    HN_ERROR_CONFIG_SYNTAX,
    5,
    { "control-port: ", "key outside of any group; a [group] must come first" } },
  { "sites-bad-unknown-group.conf",
    HN_ERROR_CONFIG_UNKNOWN_GROUP,
    5,
    { "[defualts]: ", "unknown group", "did you mean [defaults]?" } },
  { "sites-bad-unknown-key.conf",
    HN_ERROR_CONFIG_UNKNOWN_KEY,
    24,
    { "[site xa-dao-tru] adress: ", "unknown key", "did you mean 'address'?" } },
  { "sites-bad-missing-key.conf",
    HN_ERROR_CONFIG_MISSING_KEY,
    15,
    { "[site xa-dao-tru]: ", "required key 'address' is missing" } },
  { "sites-bad-invalid-value.conf",
    HN_ERROR_CONFIG_INVALID_VALUE,
    21,
    { "[site xa-dao-tru] video-bitrate: ", "'fast' is not a whole number from 64 to 20000" } },
  { "sites-bad-invalid-port.conf",
    HN_ERROR_CONFIG_INVALID_VALUE,
    6,
    { "[defaults] media-port: ", "'70000' is not a whole number from 1 to 65532" } },
  { "sites-bad-invalid-id.conf",
    HN_ERROR_CONFIG_INVALID_ID,
    17,
    { "[site Xã-Đạo-Trù]: ", "invalid site id 'Xã-Đạo-Trù'", "lowercase ASCII letters" } },
  { "sites-bad-duplicate-id.conf",
    HN_ERROR_CONFIG_DUPLICATE,
    24,
    { "[site xa-dao-tru]: ", "defined twice in this file (first at line 17)" } },
  { "sites-bad-duplicate-id-spacing.conf",
    HN_ERROR_CONFIG_DUPLICATE,
    26,
    { "[site  xa-dao-tru]: ", "site id 'xa-dao-tru' is already defined at ",
      "sites-bad-duplicate-id-spacing.conf:19" } },
  { "sites-bad-duplicate-key.conf",
    HN_ERROR_CONFIG_DUPLICATE,
    21,
    { "[site xa-dao-tru] address: ", "set twice in this file (first at line 20)" } },
  { "sites-bad-duplicate-code.conf",
    HN_ERROR_CONFIG_DUPLICATE,
    25,
    { "[site xa-yen-duong] code: ", "GSO code 08914 is already the code of [site xa-dao-tru] at ",
      "sites-bad-duplicate-code.conf:18" } },
  { "sites-bad-unknown-tier.conf",
    HN_ERROR_CONFIG_UNKNOWN_TIER,
    17,
    { "[site xa-dao-tru] tier: ",
      "unknown tier 'village'; expected hub, department, district or commune" } },
  { "sites-bad-parent-not-district.conf",
    HN_ERROR_CONFIG_BAD_PARENT,
    19,
    { "[site xa-dao-tru] district: ", "'ubnd-tinh' is not a district (it has tier=hub at ",
      "sites-bad-parent-not-district.conf:5)" } },
  { "sites-bad-parent-missing.conf",
    HN_ERROR_CONFIG_BAD_PARENT,
    19,
    { "[site xa-dao-tru] district: ", "no site 'huyen-tam-dai' is defined" } },
  { "sites-bad-commune-without-district.conf",
    HN_ERROR_CONFIG_MISSING_KEY,
    15,
    { "[site xa-dao-tru]: ", "required key 'district' is missing" } },
  { "sites-bad-district-on-non-commune.conf",
    HN_ERROR_CONFIG_BAD_PARENT,
    15,
    { "[site huyen-tam-dao] district: ",
      "only communes have a parent district; a district has none" } },
  { "sites-bad-no-hub.conf",
    HN_ERROR_CONFIG_HUB_COUNT,
    0,
    { "exactly one site must have tier=hub; found 0" } },
  { "sites-bad-two-hubs.conf",
    HN_ERROR_CONFIG_HUB_COUNT,
    0,
    { "exactly one site must have tier=hub; found 2: [site ubnd-tinh] at ",
      "sites-bad-two-hubs.conf:5, [site vp-ubnd-tinh] at ", "sites-bad-two-hubs.conf:11" } },
  { "sites-bad-invalid-address.conf",
    HN_ERROR_CONFIG_INVALID_ADDRESS,
    20,
    { "[site xa-dao-tru] address: ", "'10.26.300.1' is not an IPv4 or IPv6 address" } },
  { "sites-bad-duplicate-address.conf",
    HN_ERROR_CONFIG_DUPLICATE_ADDRESS,
    29,
    { "[site xa-yen-duong] address: ",
      "10.26.248.103 is already the address of [site xa-dao-tru] at ",
      "sites-bad-duplicate-address.conf:22" } },
  { "sites-bad-port-collision.conf",
    HN_ERROR_CONFIG_PORT_COLLISION,
    5,
    { "[hub] media-port: ",
      "port 5000 (return media RTP) is already used on the hub by [hub] control-port "
      "(control channel, TCP) at ",
      "sites-bad-port-collision.conf:4" } },
  { "sites-bad-port-collision-hub-site.conf",
    HN_ERROR_CONFIG_PORT_COLLISION,
    15,
    { "[site ubnd-tinh] media-port: ",
      "port 5001 (video RTP) is already used on the hub by [hub] media-port "
      "(return media RTCP) at ",
      "sites-bad-port-collision-hub-site.conf:8" } },
  { "sites-bad-code.conf",
    HN_ERROR_CONFIG_INVALID_VALUE,
    12,
    { "[site huyen-tam-dao] code: ", "'2480' is not a GSO district code (3 digits)" } },
  { "sites-bad-code-leading-zero.conf",
    HN_ERROR_CONFIG_INVALID_VALUE,
    20,
    { "[site xa-dao-tru] code: ", "'8914' is not a GSO commune code (5 digits)" } },
  { "sites-bad-health-value.conf",
    HN_ERROR_CONFIG_INVALID_VALUE,
    5,
    { "[health] mos-ok: ", "'3,6' is not a decimal number from 1.0 to 4.5" } },
  { "sites-bad-health-range.conf",
    HN_ERROR_CONFIG_INVALID_VALUE,
    5,
    { "[health] mos-good: ", "'5.0' is not a decimal number from 1.0 to 4.5" } },
  { "sites-bad-health-order.conf",
    HN_ERROR_CONFIG_INVALID_VALUE,
    4,
    { "[health] mos-good: ",
      "mos-good=3.5 is not above mos-ok=3.8 (the default); the thresholds must decrease: "
      "mos-good > mos-ok > mos-bad" } },
  { "sites-bad-health-inherited-order.conf",
    HN_ERROR_CONFIG_INVALID_VALUE,
    8,
    { "[health commune] mos-good: ",
      "mos-good=3.7 is not above mos-ok=3.8 (from [health]); the thresholds must decrease" } },
  { "sites-bad-health-tier.conf",
    HN_ERROR_CONFIG_UNKNOWN_TIER,
    3,
    { "[health communes]: ",
      "unknown tier 'communes' (did you mean 'commune'?); expected [health department], "
      "[health district] or [health commune]" } },
  { "sites-bad-health-hub.conf",
    HN_ERROR_CONFIG_UNKNOWN_GROUP,
    3,
    { "[health hub]: ", "the hub has no link of its own to rate; expected [health department], "
                        "[health district] or [health commune]" } },
  { "sites-bad-health-key.conf",
    HN_ERROR_CONFIG_UNKNOWN_KEY,
    4,
    { "[health district] mos-god: ", "unknown key; did you mean 'mos-good'?" } },
  { "sites-bad-health-group.conf",
    HN_ERROR_CONFIG_UNKNOWN_GROUP,
    3,
    { "[helth commune]: ", "unknown group; did you mean [health commune]?" } },
  { "sites-bad-health-duplicate.conf",
    HN_ERROR_CONFIG_DUPLICATE,
    6,
    { "[health  commune]: ", "the thresholds of communes are already set by [health commune] at ",
      "sites-bad-health-duplicate.conf:3" } },
};

static void
test_bad_fixture (gconstpointer data)
{
  const BadFixture *row = data;
  const gchar *path = fixture (row->file);
  g_autoptr (GError) error = NULL;
  g_autoptr (HnConfig) config = hn_config_new_from_file (path, &error);
  g_autofree gchar *where = NULL;
  g_autofree gchar *basename_line = NULL;

  g_assert_null (config);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_error (error, HN_ERROR, (gint) row->code);
  /* one problem, so one line */
  g_assert_cmpuint (count_lines (error->message), ==, 1);

  if (row->line > 0) {
    where = g_strdup_printf ("%s:%u: ", path, row->line);
    basename_line = g_strdup_printf ("%s:%u:", row->file, row->line);
  } else {
    where = g_strdup_printf ("%s: ", path);
    basename_line = g_strdup_printf ("%s: ", row->file);
  }
  g_assert_nonnull (strstr (error->message, basename_line));
  g_assert_true (g_str_has_prefix (error->message, where));
  for (guint i = 0; i < G_N_ELEMENTS (row->needles) && row->needles[i] != NULL; i++)
    g_assert_nonnull (strstr (error->message, row->needles[i]));
}

static void
test_several_problems (void)
{
  const gchar *path = fixture ("sites-bad-several.conf");
  const gchar *const expected[] = {
    "@:18: [site tt-tam-dao]: required key 'address' is missing",
    "@:20: [site tt-tam-dao] tier: unknown tier 'comune' (did you mean 'commune'?); "
    "expected hub, department, district or commune",
    "@:23: [site tt-tam-dao] adress: unknown key; did you mean 'address'?",
    "@:29: [site xa-dao-tru] district: no site 'huyen-tam-dai' is defined; a commune's "
    "district must be the id of a site with tier=district",
    "@:31: [site xa-dao-tru] video-bitrate: 'fast' is not a whole number from 64 to 20000",
    "@:33: [defualts]: unknown group; did you mean [defaults]?",
    NULL,
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (HnConfig) config = hn_config_new_from_file (path, &error);

  g_assert_null (config);
  /* the code is that of the first problem in file order */
  g_assert_error (error, HN_ERROR, HN_ERROR_CONFIG_MISSING_KEY);
  g_assert_cmpuint (count_lines (error->message), ==, 6);
  assert_problems (error->message, path, expected);
}

static void
test_several_syntax_problems (void)
{
  const gchar *path = fixture ("sites-bad-syntax-several.conf");
  const gchar *const expected[] = {
    "@:4: name: key outside of any group; a [group] must come first",
    "@:6: malformed group header '[site ubnd-tinh'; expected [name]",
    "@:11: 'tier district' is neither a group, a key=value pair nor a comment",
    "@:12: '=248' has no key name before '='",
    NULL,
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (HnConfig) config = hn_config_new_from_file (path, &error);

  g_assert_null (config);
  g_assert_error (error, HN_ERROR, HN_ERROR_CONFIG_SYNTAX);
  g_assert_cmpuint (count_lines (error->message), ==, 4);
  assert_problems (error->message, path, expected);
}

static void
test_several_health_problems (void)
{
  const gchar *path = fixture ("sites-bad-health-several.conf");
  const gchar *const expected[] = {
    "@:6: [health commune] mos-bad: mos-bad=3.3 is not below mos-ok=3.2; the thresholds must "
    "decrease: mos-good > mos-ok > mos-bad",
    "@:9: [health] mos-good: '4.6' is not a decimal number from 1.0 to 4.5",
    "@:10: [health] mos-okay: unknown key; did you mean 'mos-ok'?",
    "@:11: [health] mos-bad: empty value",
    /* [health] set no valid mos-ok, so the district inherits the default */
    "@:14: [health district] mos-good: mos-good=3.1 is not above mos-ok=3.8 (the default); the "
    "thresholds must decrease: mos-good > mos-ok > mos-bad",
    "@:16: [health villages]: unknown tier 'villages'; expected [health department], "
    "[health district] or [health commune]",
    NULL,
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (HnConfig) config = hn_config_new_from_file (path, &error);

  g_assert_null (config);
  g_assert_error (error, HN_ERROR, HN_ERROR_CONFIG_INVALID_VALUE);
  assert_problems (error->message, path, expected);
}

static void
assert_thresholds (HnConfig *config, HnTier tier, gdouble good, gdouble ok, gdouble bad)
{
  const HnQualityThresholds *t = hn_config_get_health_thresholds (config, tier);

  g_assert_nonnull (t);
  g_assert_cmpfloat (t->good_mos, ==, good);
  g_assert_cmpfloat (t->ok_mos, ==, ok);
  g_assert_cmpfloat (t->bad_mos, ==, bad);
}

static void
test_health (void)
{
  g_autoptr (HnConfig) config = load_ok (fixture ("sites-health.conf"));
  g_autoptr (HnConfig) minimal = load_ok (fixture ("sites-minimal.conf"));
  g_autoptr (HnConfig) shipped = load_ok (shipped_sites_conf ());

  /* [health] sets good and ok; bad is the built-in default */
  assert_thresholds (config, HN_TIER_HUB, 4.2, 3.8, HN_QUALITY_DEFAULT_BAD_MOS);
  assert_thresholds (config, HN_TIER_DEPARTMENT, 4.2, 3.8, 3.1);
  /* [health district] sets only bad, [health commune] ok and bad: the
   * rest comes from [health], though it stands after [health commune] */
  assert_thresholds (config, HN_TIER_DISTRICT, 4.2, 3.8, 3.25);
  assert_thresholds (config, HN_TIER_COMMUNE, 4.2, 3.4, 2.9);

  /* no [health] at all: the defaults of hn-quality.h for every tier */
  for (guint t = 0; t < HN_TIER_LAST; t++)
    assert_thresholds (minimal, t, HN_QUALITY_DEFAULT_GOOD_MOS, HN_QUALITY_DEFAULT_OK_MOS,
                       HN_QUALITY_DEFAULT_BAD_MOS);
  g_assert_cmpfloat (HN_QUALITY_DEFAULT_GOOD_MOS, ==, 4.1);
  g_assert_cmpfloat (HN_QUALITY_DEFAULT_OK_MOS, ==, 3.8);
  g_assert_cmpfloat (HN_QUALITY_DEFAULT_BAD_MOS, ==, 3.1);

  /* the shipped file: gentler on communes (rural DSL and 4G) */
  assert_thresholds (shipped, HN_TIER_HUB, 4.1, 3.8, 3.1);
  assert_thresholds (shipped, HN_TIER_DEPARTMENT, 4.1, 3.8, 3.1);
  assert_thresholds (shipped, HN_TIER_DISTRICT, 4.1, 3.8, 3.1);
  assert_thresholds (shipped, HN_TIER_COMMUNE, 4.1, 3.6, 2.9);
}

static void
test_health_values (void)
{
  /* what mos-good accepts and refuses, through a file written at run time;
   * mos-bad=1.0 is the lowest a threshold can be */
  const struct {
    const gchar *text;
    gboolean ok;
    gdouble value;
  } cases[] = {
    { "4", TRUE, 4.0 },    { "4.5", TRUE, 4.5 },   { "1.3", TRUE, 1.3 },   { "4.25", TRUE, 4.25 },
    { "04.1", TRUE, 4.1 }, { "4.500", TRUE, 4.5 }, { "4.51", FALSE, 0 },   { "0.9", FALSE, 0 },
    { "5", FALSE, 0 },     { "4,0", FALSE, 0 },    { "4.", FALSE, 0 },     { ".4", FALSE, 0 },
    { "+4.0", FALSE, 0 },  { "-1", FALSE, 0 },     { "4.0 dB", FALSE, 0 }, { "4e0", FALSE, 0 },
    { "inf", FALSE, 0 },   { "nan", FALSE, 0 },    { "0x4", FALSE, 0 },    { "good", FALSE, 0 },
  };
  g_autofree gchar *dir = NULL;
  g_autofree gchar *path = NULL;
  g_autoptr (GError) error = NULL;

  dir = g_dir_make_tmp ("hoinghi-test-health-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "sites.conf", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *text =
        g_strdup_printf ("[health]\nmos-good=%s\nmos-ok=1.2\nmos-bad=1.0\n\n"
                         "[site ubnd-tinh]\nname=UBND tỉnh\ntier=hub\naddress=10.26.0.10\n",
                         cases[i].text);
    g_autoptr (HnConfig) config = NULL;
    g_autoptr (GError) load_error = NULL;

    g_file_set_contents (path, text, -1, &error);
    g_assert_no_error (error);
    config = hn_config_new_from_file (path, &load_error);
    g_test_message ("mos-good=%s: %s", cases[i].text,
                    load_error != NULL ? load_error->message : "ok");
    if (cases[i].ok) {
      g_assert_no_error (load_error);
      assert_thresholds (config, HN_TIER_COMMUNE, cases[i].value, 1.2, 1.0);
    } else {
      g_autofree gchar *expected =
          g_strdup_printf ("%s:2: [health] mos-good: '%s' is not a decimal number from 1.0 to 4.5",
                           path, cases[i].text);

      g_assert_null (config);
      g_assert_error (load_error, HN_ERROR, HN_ERROR_CONFIG_INVALID_VALUE);
      g_assert_cmpstr (load_error->message, ==, expected);
    }
  }
  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_dropin_merge (void)
{
  const gchar *path = fixture ("sites-dropin.conf");
  g_autofree gchar *first = g_strconcat (path, ".d/10-a.conf", NULL);
  g_autofree gchar *second = g_strconcat (path, ".d/20-b.conf", NULL);
  g_autoptr (HnConfig) config = load_ok (path);
  g_autofree gchar *counts = hn_config_describe_counts (config);
  const gchar *const *files = hn_config_get_files (config);
  HnSite *tam_dao = hn_config_get_site (config, "huyen-tam-dao");
  HnSite *yen_duong = hn_config_get_site (config, "xa-yen-duong");
  GPtrArray *sites = hn_config_get_sites (config);
  const HnMediaSettings *media;

  /* main file first, then the *.conf drop-ins in name order; the
   * 30-disabled.conf.off next to them is not read */
  g_assert_cmpstr (hn_config_get_path (config), ==, path);
  g_assert_cmpuint (g_strv_length ((gchar **) files), ==, 3);
  g_assert_cmpstr (files[0], ==, path);
  g_assert_cmpstr (files[1], ==, first);
  g_assert_cmpstr (files[2], ==, second);

  g_assert_cmpstr (counts, ==, "4 sites (1 hub, 0 departments, 1 district, 2 communes)");
  g_assert_cmpuint (sites->len, ==, 4);
  g_assert_true (sites->pdata[3] == yen_duong);

  /* 10-a.conf overrides the main file, 20-b.conf overrides 10-a.conf,
   * and keys no drop-in sets keep the main file's values */
  g_assert_nonnull (tam_dao);
  g_assert_cmpstr (hn_site_get_address (tam_dao), ==, "10.26.248.11");
  g_assert_cmpuint (hn_site_get_media (tam_dao)->video_bitrate, ==, 1500);
  g_assert_cmpstr (hn_site_get_name (tam_dao), ==, "Huyện Tam Đảo");
  g_assert_cmpstr (hn_site_get_code (tam_dao), ==, "248");
  g_assert_true (hn_config_lookup_district (config, "248") == tam_dao);

  /* a site added by a drop-in, with the built-in defaults (the files
   * have no [hub] and no [defaults]) */
  g_assert_nonnull (yen_duong);
  g_assert_cmpstr (hn_site_get_name (yen_duong), ==, "Xã Yên Dương");
  g_assert_cmpint (hn_site_get_tier (yen_duong), ==, HN_TIER_COMMUNE);
  g_assert_cmpstr (hn_site_get_district (yen_duong), ==, "huyen-tam-dao");
  g_assert_cmpstr (hn_site_get_address (yen_duong), ==, "10.26.248.104");
  media = hn_site_get_media (yen_duong);
  g_assert_cmpuint (media->media_port, ==, 5004);
  g_assert_cmpuint (media->video_width, ==, 640);
  g_assert_cmpuint (media->video_height, ==, 360);
  g_assert_cmpuint (media->video_framerate, ==, 25);
  g_assert_cmpuint (media->video_bitrate, ==, 600);
  g_assert_cmpuint (media->audio_bitrate, ==, 32);
  g_assert_cmpuint (hn_config_get_control_port (config), ==, 8443);
  g_assert_cmpuint (hn_config_get_media_port (config), ==, 5000);
}

static void
test_dropin_error (void)
{
  const gchar *path = fixture ("sites-dropin-bad.conf");
  g_autofree gchar *dropin = g_strconcat (path, ".d/50-typo.conf", NULL);
  const gchar *const expected[] = {
    "@:4: [site huyen-tam-dao] adress: unknown key; did you mean 'address'?",
    "@:5: [site huyen-tam-dao] video-bitrate: 'fast' is not a whole number from 64 to 20000",
    NULL,
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (HnConfig) config = hn_config_new_from_file (path, &error);

  g_assert_null (config);
  g_assert_error (error, HN_ERROR, HN_ERROR_CONFIG_UNKNOWN_KEY);
  /* the drop-in's path and line, not those of the main file, even for a
   * key the main file sets too */
  assert_problems (error->message, dropin, expected);
}

static void
test_dropin_missing_dir (void)
{
  const gchar *path = fixture ("sites-minimal.conf");
  g_autofree gchar *dir = g_strconcat (path, ".d", NULL);
  g_autoptr (HnConfig) config = NULL;

  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  config = load_ok (path);
  g_assert_cmpuint (g_strv_length ((gchar **) hn_config_get_files (config)), ==, 1);
  g_assert_cmpuint (hn_config_get_sites (config)->len, ==, 5);
}

static void
test_missing_file (void)
{
  const gchar *path = fixture ("sites-does-not-exist.conf");
  g_autoptr (GError) error = NULL;
  g_autoptr (HnConfig) config = hn_config_new_from_file (path, &error);

  g_assert_null (config);
  g_assert_error (error, HN_ERROR, HN_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, path));
}

/* Files written at run time, for cases a committed fixture cannot hold
 * (bytes that are not UTF-8) or that need a drop-in next to a main file
 * with its own mistake. */
typedef struct {
  gchar *dir;
  GPtrArray *paths; /* created, removed in reverse order */
} TmpTree;

static void
tmp_tree_init (TmpTree *tree)
{
  g_autoptr (GError) error = NULL;

  tree->dir = g_dir_make_tmp ("hoinghi-test-config-XXXXXX", &error);
  g_assert_no_error (error);
  tree->paths = g_ptr_array_new_with_free_func (g_free);
}

/* Returns: (transfer none): the path of the new file (or folder, when
 * @contents is %NULL) */
static const gchar *
tmp_tree_add (TmpTree *tree, const gchar *name, const gchar *contents, gssize length)
{
  g_autoptr (GError) error = NULL;
  gchar *path = g_build_filename (tree->dir, name, NULL);

  if (contents == NULL) {
    g_assert_cmpint (g_mkdir (path, 0700), ==, 0);
  } else {
    g_file_set_contents (path, contents, length, &error);
    g_assert_no_error (error);
  }
  g_ptr_array_add (tree->paths, path);
  return path;
}

static void
tmp_tree_clear (TmpTree *tree)
{
  for (guint i = tree->paths->len; i > 0; i--)
    g_assert_cmpint (g_remove (tree->paths->pdata[i - 1]), ==, 0);
  g_assert_cmpint (g_rmdir (tree->dir), ==, 0);
  g_ptr_array_unref (tree->paths);
  g_free (tree->dir);
}

static void
test_not_utf8 (void)
{
  /* "Xã" saved as Windows-1258 / Latin-1 instead of UTF-8 */
  const gchar text[] = "[site xa-dao-tru]\nname=X\xe3 \xd0\xe1o Tr\xf9\n";
  TmpTree tree;
  const gchar *path;
  g_autofree gchar *expected = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (HnConfig) config = NULL;

  tmp_tree_init (&tree);
  path = tmp_tree_add (&tree, "sites.conf", text, sizeof text - 1);
  config = hn_config_new_from_file (path, &error);
  g_assert_null (config);
  g_assert_error (error, HN_ERROR, HN_ERROR_CONFIG_SYNTAX);
  expected = g_strdup_printf ("%s: not valid UTF-8 text", path);
  g_assert_cmpstr (error->message, ==, expected);
  tmp_tree_clear (&tree);
}

static void
test_problems_sorted_by_file (void)
{
  const gchar *main_text = "[site ubnd-tinh]\n"
                           "name=UBND tỉnh Vĩnh Phúc\n"
                           "tier=hub\n"
                           "code=26\n"
                           "address=10.26.0.10\n"
                           "\n"
                           "[site huyen-tam-dao]\n"
                           "name=Huyện Tam Đảo\n"
                           "tier=district\n"
                           "code=248\n"
                           "address=10.26.248.10\n"
                           "video-bitrate=fast\n";
  const gchar *dropin_text = "[site ubnd-tinh]\n"
                             "adress=10.26.0.11\n";
  TmpTree tree;
  const gchar *path;
  const gchar *dropin;
  g_autofree gchar *expected = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (HnConfig) config = NULL;

  tmp_tree_init (&tree);
  path = tmp_tree_add (&tree, "sites.conf", main_text, -1);
  tmp_tree_add (&tree, "sites.conf.d", NULL, 0);
  dropin = tmp_tree_add (&tree, "sites.conf.d/10-x.conf", dropin_text, -1);

  /* the drop-in's problem is found first (its site comes first), but the
   * main file's is listed first */
  config = hn_config_new_from_file (path, &error);
  g_assert_null (config);
  g_assert_error (error, HN_ERROR, HN_ERROR_CONFIG_INVALID_VALUE);
  expected = g_strdup_printf ("%s:12: [site huyen-tam-dao] video-bitrate: 'fast' is not a whole "
                              "number from 64 to 20000\n"
                              "%s:2: [site ubnd-tinh] adress: unknown key; did you mean "
                              "'address'?",
                              path, dropin);
  g_assert_cmpstr (error->message, ==, expected);
  tmp_tree_clear (&tree);
}

static void
test_dropin_order (void)
{
  /* created in an order unlike the name order, so a directory listed
   * unsorted is caught; "9-" comes after "10-" in byte order */
  const gchar *const created[] = { "30-c.conf", "9-z.conf",  "10-a.conf", "70-g.conf", "20-b.conf",
                                   "60-f.conf", "50-e.conf", "40-d.conf", "11-a.conf" };
  const gchar *const sorted[] = { "10-a.conf", "11-a.conf", "20-b.conf", "30-c.conf", "40-d.conf",
                                  "50-e.conf", "60-f.conf", "70-g.conf", "9-z.conf" };
  TmpTree tree;
  const gchar *path;
  const gchar *dir;
  g_autoptr (HnConfig) config = NULL;
  const gchar *const *files;

  tmp_tree_init (&tree);
  path = tmp_tree_add (&tree, "sites.conf",
                       "[site ubnd-tinh]\n"
                       "name=UBND tỉnh Vĩnh Phúc\n"
                       "tier=hub\n"
                       "address=10.26.0.10\n"
                       "video-bitrate=100\n",
                       -1);
  dir = tmp_tree_add (&tree, "sites.conf.d", NULL, 0);
  for (guint i = 0; i < G_N_ELEMENTS (created); i++) {
    g_autofree gchar *name = g_build_filename ("sites.conf.d", created[i], NULL);
    g_autofree gchar *text =
        g_strdup_printf ("[site ubnd-tinh]\nvideo-bitrate=%u\n", 1000 + atoi (created[i]));

    tmp_tree_add (&tree, name, text, -1);
  }

  config = load_ok (path);
  files = hn_config_get_files (config);
  g_assert_cmpuint (g_strv_length ((gchar **) files), ==, 1 + G_N_ELEMENTS (sorted));
  g_assert_cmpstr (files[0], ==, path);
  for (guint i = 0; i < G_N_ELEMENTS (sorted); i++) {
    g_autofree gchar *expected = g_build_filename (dir, sorted[i], NULL);

    g_assert_cmpstr (files[i + 1], ==, expected);
  }
  /* the last file in name order wins */
  g_assert_cmpuint (hn_site_get_media (hn_config_get_hub (config))->video_bitrate, ==, 1009);
  tmp_tree_clear (&tree);
}

static HnSite *
new_dao_tru (const gchar *short_name, const gchar *district, guint video_bitrate)
{
  HnMediaSettings media = {
    .media_port = 5004,
    .video_width = 640,
    .video_height = 360,
    .video_framerate = 25,
    .video_bitrate = video_bitrate,
    .audio_bitrate = 32,
  };

  return hn_site_new ("xa-dao-tru", "Xã Đạo Trù", short_name, HN_TIER_COMMUNE, "08914", district,
                      "10.26.248.103", &media);
}

static void
test_site_equal (void)
{
  const HnMediaSettings media = { 5004, 640, 360, 25, 600, 32 };
  HnMediaSettings other_media = media;
  g_autoptr (HnSite) a = new_dao_tru ("Đạo Trù", "huyen-tam-dao", 600);
  g_autoptr (HnSite) same = new_dao_tru ("Đạo Trù", "huyen-tam-dao", 600);
  g_autoptr (HnSite) other_short = new_dao_tru (NULL, "huyen-tam-dao", 600);
  g_autoptr (HnSite) no_district = new_dao_tru ("Đạo Trù", NULL, 600);
  g_autoptr (HnSite) other_bitrate = new_dao_tru ("Đạo Trù", "huyen-tam-dao", 1200);
  g_autoptr (HnSite) other_name =
      hn_site_new ("xa-dao-tru", "Xã Đạo Trù (mới)", "Đạo Trù", HN_TIER_COMMUNE, "08914",
                   "huyen-tam-dao", "10.26.248.103", &media);
  g_autoptr (HnSite) other_address =
      hn_site_new ("xa-dao-tru", "Xã Đạo Trù", "Đạo Trù", HN_TIER_COMMUNE, "08914", "huyen-tam-dao",
                   "10.26.248.111", &media);
  g_autoptr (HnSite) no_code = hn_site_new ("xa-dao-tru", "Xã Đạo Trù", "Đạo Trù", HN_TIER_COMMUNE,
                                            NULL, "huyen-tam-dao", "10.26.248.103", &media);
  g_autoptr (HnSite) other_tier =
      hn_site_new ("xa-dao-tru", "Xã Đạo Trù", "Đạo Trù", HN_TIER_DISTRICT, "08914",
                   "huyen-tam-dao", "10.26.248.103", &media);
  g_autoptr (HnSite) other_id =
      hn_site_new ("xa-yen-duong", "Xã Đạo Trù", "Đạo Trù", HN_TIER_COMMUNE, "08914",
                   "huyen-tam-dao", "10.26.248.103", &media);
  g_autoptr (HnSite) other_port = NULL;
  g_autoptr (HnSite) name_as_short =
      hn_site_new ("xa-dao-tru", "Xã Đạo Trù", "Xã Đạo Trù", HN_TIER_COMMUNE, "08914",
                   "huyen-tam-dao", "10.26.248.103", &media);

  other_media.media_port = 6004;
  other_port = hn_site_new ("xa-dao-tru", "Xã Đạo Trù", "Đạo Trù", HN_TIER_COMMUNE, "08914",
                            "huyen-tam-dao", "10.26.248.103", &other_media);

  g_assert_true (hn_site_equal (a, a));
  g_assert_true (hn_site_equal (a, same));
  g_assert_true (hn_site_equal (same, a));
  g_assert_false (hn_site_equal (a, other_short));
  g_assert_false (hn_site_equal (a, no_district));
  g_assert_false (hn_site_equal (no_district, a));
  g_assert_false (hn_site_equal (a, other_bitrate));
  g_assert_false (hn_site_equal (a, other_name));
  g_assert_false (hn_site_equal (a, other_address));
  g_assert_false (hn_site_equal (a, no_code));
  g_assert_false (hn_site_equal (no_code, a));
  g_assert_false (hn_site_equal (a, other_tier));
  g_assert_false (hn_site_equal (a, other_id));
  g_assert_false (hn_site_equal (a, other_port));
  /* a missing short name is the name */
  g_assert_cmpstr (hn_site_get_short_name (other_short), ==, "Xã Đạo Trù");
  g_assert_true (hn_site_equal (other_short, name_as_short));
}

static void
test_site_to_json (void)
{
  g_autoptr (HnSite) dao_tru = new_dao_tru ("Đạo Trù", "huyen-tam-dao", 400);
  g_autoptr (JsonNode) node = hn_site_to_json (dao_tru);
  g_autofree gchar *text = json_to_string (node, FALSE);
  g_autoptr (JsonNode) parsed = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (HnConfig) config = load_ok (fixture ("sites-minimal.conf"));
  g_autoptr (JsonNode) department = hn_site_to_json (hn_config_get_site (config, "so-tttt"));
  JsonObject *object;
  JsonObject *media;

  g_assert_cmpstr (text, ==,
                   "{\"id\":\"xa-dao-tru\",\"name\":\"Xã Đạo Trù\",\"short-name\":\"Đạo Trù\","
                   "\"tier\":\"commune\",\"code\":\"08914\",\"district\":\"huyen-tam-dao\","
                   "\"address\":\"10.26.248.103\",\"media\":{\"media-port\":5004,"
                   "\"video-size\":\"640x360\",\"video-framerate\":25,\"video-bitrate\":400,"
                   "\"audio-bitrate\":32}}");

  /* and it reads back as the same members */
  parsed = json_from_string (text, &error);
  g_assert_no_error (error);
  object = json_node_get_object (parsed);
  g_assert_cmpuint (json_object_get_size (object), ==, 8);
  g_assert_cmpstr (json_object_get_string_member (object, "name"), ==, "Xã Đạo Trù");
  g_assert_cmpstr (json_object_get_string_member (object, "tier"), ==, "commune");
  media = json_object_get_object_member (object, "media");
  g_assert_cmpint (json_object_get_int_member (media, "video-bitrate"), ==, 400);
  g_assert_cmpstr (json_object_get_string_member (media, "video-size"), ==, "640x360");

  /* a department has no code and no district: null, not missing */
  object = json_node_get_object (department);
  g_assert_cmpstr (json_object_get_string_member (object, "id"), ==, "so-tttt");
  g_assert_cmpstr (json_object_get_string_member (object, "short-name"), ==, "Sở TT&TT");
  g_assert_cmpstr (json_object_get_string_member (object, "tier"), ==, "department");
  g_assert_true (json_object_has_member (object, "code"));
  g_assert_true (json_object_get_null_member (object, "code"));
  g_assert_true (json_object_has_member (object, "district"));
  g_assert_true (json_object_get_null_member (object, "district"));
  g_assert_cmpstr (json_object_get_string_member (object, "address"), ==, "10.26.0.21");
}

static void
test_tier (void)
{
  const gchar *const names[] = { "hub", "department", "district", "commune" };
  const gchar *const plurals[] = { "hubs", "departments", "districts", "communes" };
  const gchar *const wrong[] = {
    "Hub", "COMMUNE", "village", "xa", "communes", "hub ", " hub", ""
  };

  for (guint i = 0; i < HN_TIER_LAST; i++) {
    HnTier tier = HN_TIER_LAST;

    g_assert_true (hn_tier_from_string (names[i], &tier));
    g_assert_cmpint (tier, ==, (HnTier) i);
    g_assert_cmpstr (hn_tier_to_string (i), ==, names[i]);
    g_assert_cmpstr (hn_tier_to_plural (i), ==, plurals[i]);
    g_assert_true (hn_tier_from_string (names[i], NULL));
  }
  for (guint i = 0; i < G_N_ELEMENTS (wrong); i++) {
    HnTier tier = HN_TIER_DISTRICT;

    g_assert_false (hn_tier_from_string (wrong[i], &tier));
    g_assert_cmpint (tier, ==, HN_TIER_DISTRICT);
  }
}

static void
test_site_id (void)
{
  const gchar *const valid[] = { "xa-dao-tru", "ubnd-tinh", "a", "so-tttt", "x1", "a-1-b" };
  const gchar *const invalid[] = { "",           "-x",         "x-",     "1x",  "Xa",
                                   "xã-đạo-trù", "xa_dao_tru", "xa dao", " xa", "xa.dao" };
  g_autofree gchar *longest = g_strnfill (63, 'a');
  g_autofree gchar *too_long = g_strnfill (64, 'a');

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    g_assert_true (hn_site_id_is_valid (valid[i]));
  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    g_assert_false (hn_site_id_is_valid (invalid[i]));
  g_assert_false (hn_site_id_is_valid (NULL));
  g_assert_true (hn_site_id_is_valid (longest));
  g_assert_false (hn_site_id_is_valid (too_long));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hn/config/shipped/counts", test_shipped_counts);
  g_test_add_func ("/hn/config/shipped/districts", test_shipped_districts);
  g_test_add_func ("/hn/config/shipped/spot-checks", test_shipped_spot_checks);
  g_test_add_func ("/hn/config/shipped/unique", test_shipped_unique);
  g_test_add_func ("/hn/config/minimal", test_minimal);

  for (guint i = 0; i < G_N_ELEMENTS (bad_fixtures); i++) {
    const gchar *file = bad_fixtures[i].file;
    g_autofree gchar *name = g_strndup (file + strlen ("sites-bad-"),
                                        strlen (file) - strlen ("sites-bad-") - strlen (".conf"));
    g_autofree gchar *test_path = g_strconcat ("/hn/config/bad/", name, NULL);

    g_assert_true (g_str_has_prefix (file, "sites-bad-") && g_str_has_suffix (file, ".conf"));
    g_test_add_data_func (test_path, &bad_fixtures[i], test_bad_fixture);
  }

  g_test_add_func ("/hn/config/several-problems", test_several_problems);
  g_test_add_func ("/hn/config/several-syntax-problems", test_several_syntax_problems);
  g_test_add_func ("/hn/config/health/several-problems", test_several_health_problems);
  g_test_add_func ("/hn/config/health/tiers", test_health);
  g_test_add_func ("/hn/config/health/values", test_health_values);
  g_test_add_func ("/hn/config/problems-sorted-by-file", test_problems_sorted_by_file);
  g_test_add_func ("/hn/config/not-utf8", test_not_utf8);
  g_test_add_func ("/hn/config/dropin/merge", test_dropin_merge);
  g_test_add_func ("/hn/config/dropin/order", test_dropin_order);
  g_test_add_func ("/hn/config/dropin/error", test_dropin_error);
  g_test_add_func ("/hn/config/dropin/missing-dir", test_dropin_missing_dir);
  g_test_add_func ("/hn/config/missing-file", test_missing_file);

  g_test_add_func ("/hn/site/equal", test_site_equal);
  g_test_add_func ("/hn/site/to-json", test_site_to_json);
  g_test_add_func ("/hn/site/tier", test_tier);
  g_test_add_func ("/hn/site/id", test_site_id);

  return g_test_run ();
}
