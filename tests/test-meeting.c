/* Unit tests of the meeting domain logic: site selectors over the shipped
 * sites.conf (counts, order, every error with its wording), layout
 * rectangles to the pixel, and HnMeeting's floor, request queue, mutes,
 * visible and audible sites, with "changed" counted so that it fires once
 * per real change and never on a refused change or a no-op. */

#include <string.h>

#include <json-glib/json-glib.h>

#include "hn-config.h"
#include "hn-error.h"
#include "hn-layout.h"
#include "hn-meeting.h"
#include "hn-site-selector.h"

static HnConfig *
load_shipped (void)
{
  g_autoptr (GError) error = NULL;
  const gchar *path = g_getenv ("HN_SITES_CONF");
  g_autofree gchar *fallback = NULL;
  HnConfig *config;

  if (path == NULL || *path == '\0')
    path = fallback = g_test_build_filename (G_TEST_DIST, "..", "sites.conf", NULL);
  config = hn_config_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (config);
  return config;
}

static GPtrArray *
resolve_ok (HnConfig *config, const gchar *selector)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) sites = hn_site_selector_resolve (selector, config, &error);

  g_assert_no_error (error);
  g_assert_nonnull (sites);
  return g_steal_pointer (&sites);
}

/* Checks that @sites are exactly @expected, in that order. */
static void
assert_site_ids (GPtrArray *sites, const gchar *const *expected)
{
  for (guint i = 0; expected[i] != NULL; i++) {
    g_assert_cmpuint (i, <, sites->len);
    g_assert_cmpstr (hn_site_get_id (sites->pdata[i]), ==, expected[i]);
  }
  g_assert_cmpuint (sites->len, ==, g_strv_length ((gchar **) expected));
}

static gboolean
sites_contain (GPtrArray *sites, const gchar *id)
{
  for (guint i = 0; i < sites->len; i++) {
    if (g_str_equal (hn_site_get_id (sites->pdata[i]), id))
      return TRUE;
  }
  return FALSE;
}

/* Checks that @sites keep the order of the configuration. */
static void
assert_config_order (HnConfig *config, GPtrArray *sites)
{
  GPtrArray *all = hn_config_get_sites (config);
  guint previous = 0;

  for (guint i = 0; i < sites->len; i++) {
    guint index;

    g_assert_true (g_ptr_array_find (all, sites->pdata[i], &index));
    if (i > 0)
      g_assert_cmpuint (index, >, previous);
    previous = index;
  }
}

static const gchar *const tam_dao[] = {
  "huyen-tam-dao", "tt-tam-dao",  "tt-hop-chau", "xa-dao-tru",    "xa-yen-duong", "xa-bo-ly",
  "tt-dai-dinh",   "xa-tam-quan", "xa-ho-son",   "xa-minh-quang", NULL,
};

static void
test_selector_all (void)
{
  g_autoptr (HnConfig) config = load_shipped ();
  g_autoptr (GPtrArray) sites = resolve_ok (config, "all");

  g_assert_cmpuint (sites->len, ==, 147);
  g_assert_false (sites_contain (sites, "ubnd-tinh"));
  g_assert_cmpstr (hn_site_get_id (sites->pdata[0]), ==, "so-tttt");
  g_assert_cmpstr (hn_site_get_id (sites->pdata[1]), ==, "vp-ubnd-tinh");
  g_assert_cmpstr (hn_site_get_id (sites->pdata[2]), ==, "tp-vinh-yen");
  assert_config_order (config, sites);
}

static void
test_selector_tiers (void)
{
  g_autoptr (HnConfig) config = load_shipped ();
  g_autoptr (GPtrArray) communes = resolve_ok (config, "tier:commune");
  g_autoptr (GPtrArray) districts = resolve_ok (config, "tier:district");
  g_autoptr (GPtrArray) departments = resolve_ok (config, "tier:department");
  const gchar *const expected_departments[] = { "so-tttt", "vp-ubnd-tinh", NULL };

  g_assert_cmpuint (communes->len, ==, 136);
  for (guint i = 0; i < communes->len; i++)
    g_assert_cmpint (hn_site_get_tier (communes->pdata[i]), ==, HN_TIER_COMMUNE);
  assert_config_order (config, communes);
  g_assert_cmpuint (districts->len, ==, 9);
  for (guint i = 0; i < districts->len; i++)
    g_assert_cmpint (hn_site_get_tier (districts->pdata[i]), ==, HN_TIER_DISTRICT);
  assert_site_ids (departments, expected_departments);
}

static void
test_selector_district (void)
{
  g_autoptr (HnConfig) config = load_shipped ();
  g_autoptr (GPtrArray) by_id = resolve_ok (config, "district:huyen-tam-dao");
  g_autoptr (GPtrArray) by_code = resolve_ok (config, "district:248");
  /* duplicates are selected once */
  g_autoptr (GPtrArray) twice = resolve_ok (config, "xa-dao-tru,district:248,huyen-tam-dao");

  /* the district's room, then its communes */
  assert_site_ids (by_id, tam_dao);
  g_assert_cmpuint (by_code->len, ==, 10);
  for (guint i = 0; i < 10; i++) {
    g_assert_true (by_code->pdata[i] == by_id->pdata[i]);
    g_assert_true (twice->pdata[i] == by_id->pdata[i]);
  }
  g_assert_cmpuint (twice->len, ==, 10);
}

static void
test_selector_exclusions (void)
{
  g_autoptr (HnConfig) config = load_shipped ();
  g_autoptr (GPtrArray) communes = resolve_ok (config, "tier:commune,!district:huyen-tam-dao");
  g_autoptr (GPtrArray) before = resolve_ok (config, "!xa-dao-tru,all");
  g_autoptr (GPtrArray) after = resolve_ok (config, "all,!xa-dao-tru");
  g_autoptr (GPtrArray) spaced = resolve_ok (config, "  all ,\t! tier:commune ,!so-tttt ");
  const gchar *const expected_spaced[] = { "vp-ubnd-tinh",
                                           "tp-vinh-yen",
                                           "tp-phuc-yen",
                                           "huyen-lap-thach",
                                           "huyen-tam-duong",
                                           "huyen-tam-dao",
                                           "huyen-binh-xuyen",
                                           "huyen-yen-lac",
                                           "huyen-vinh-tuong",
                                           "huyen-song-lo",
                                           NULL };

  g_assert_cmpuint (communes->len, ==, 127);
  g_assert_false (sites_contain (communes, "xa-dao-tru"));
  g_assert_false (sites_contain (communes, "huyen-tam-dao"));
  g_assert_true (sites_contain (communes, "xa-thanh-tru"));

  /* exclusions apply after every inclusion, wherever they stand */
  g_assert_cmpuint (before->len, ==, 146);
  g_assert_false (sites_contain (before, "xa-dao-tru"));
  g_assert_cmpuint (after->len, ==, 146);
  for (guint i = 0; i < 146; i++)
    g_assert_true (before->pdata[i] == after->pdata[i]);

  assert_site_ids (spaced, expected_spaced);
}

static void
test_selector_order (void)
{
  g_autoptr (HnConfig) config = load_shipped ();
  g_autoptr (GPtrArray) sites = resolve_ok (config, "xa-dao-tru, so-tttt");
  const gchar *const expected[] = { "so-tttt", "xa-dao-tru", NULL };
  HnSite *first;

  /* configuration order, not the order of the terms */
  assert_site_ids (sites, expected);

  /* the result holds its own references */
  first = sites->pdata[0];
  g_clear_object (&config);
  g_assert_cmpstr (hn_site_get_id (first), ==, "so-tttt");
}

static const struct {
  const gchar *selector;
  const gchar *message;
} selector_errors[] = {
  { "", "empty selector; expected all, tier:T, district:D, a site id or !TERM, separated by "
        "commas" },
  { " \t ", "empty selector; expected all, tier:T, district:D, a site id or !TERM, separated by "
            "commas" },
  { "all,,xa-dao-tru", "selector 'all,,xa-dao-tru' has an empty term (term 2)" },
  { "all, ", "selector 'all, ' has an empty term (term 2)" },
  { ",all", "selector ',all' has an empty term (term 1)" },
  { "xa-dao-truu", "unknown site 'xa-dao-truu'; did you mean 'xa-dao-tru'?" },
  /* on a tie the first in configuration order wins */
  { "xa-dao-tr", "unknown site 'xa-dao-tr'; did you mean 'xa-dao-tu'?" },
  { "all,!xa-dao-truu", "unknown site 'xa-dao-truu'; did you mean 'xa-dao-tru'?" },
  { "hanoi", "unknown site 'hanoi'" },
  { "Xa-Dao-Tru", "unknown site 'Xa-Dao-Tru'; did you mean 'xa-dao-tru'?" },
  { "tier:comune", "unknown tier 'comune' in 'tier:comune'; did you mean 'commune'?" },
  { "tier:village",
    "unknown tier 'village' in 'tier:village'; expected department, district or commune" },
  { "tier:", "'tier:' names no tier; expected department, district or commune" },
  { "tier:hub", "'tier:hub': the hub chairs every meeting and is never a participant" },
  { "all,!tier:hub", "'tier:hub': the hub chairs every meeting and is never a participant" },
  { "district:huyen-tam-da",
    "unknown district 'huyen-tam-da' in 'district:huyen-tam-da'; did you mean 'huyen-tam-dao'?" },
  { "district:999",
    "unknown district '999' in 'district:999'; expected a district id or GSO code" },
  { "district:08914", "unknown district '08914' in 'district:08914'; expected a district id or "
                      "GSO code" },
  { "district:xa-dao-tru", "'xa-dao-tru' in 'district:xa-dao-tru' is a commune, not a district" },
  { "district:", "'district:' names no district; expected a district id or GSO code" },
  { "ubnd-tinh", "'ubnd-tinh' is the hub, which chairs every meeting and is never a participant" },
  { "all,!ubnd-tinh",
    "'ubnd-tinh' is the hub, which chairs every meeting and is never a participant" },
  { "tir:commune", "unknown kind of term 'tir:' in 'tir:commune'; did you mean 'tier:'?" },
  { "distrct:248", "unknown kind of term 'distrct:' in 'distrct:248'; did you mean 'district:'?" },
  { "site:xa-dao-tru", "unknown kind of term 'site:' in 'site:xa-dao-tru'; expected all, tier:T, "
                       "district:D, a site id or !TERM" },
  { "all,!", "'!' in selector 'all,!' excludes nothing; write !TERM" },
  { "all,! ", "'!' in selector 'all,! ' excludes nothing; write !TERM" },
  { "all,!!xa-dao-tru", "'!!xa-dao-tru': a term can be excluded only once" },
  { "xa-dao-tru,!xa-dao-tru", "selector 'xa-dao-tru,!xa-dao-tru' selects no site" },
  { "tier:district,!tier:district", "selector 'tier:district,!tier:district' selects no site" },
  { "all,!tier:department,!tier:district,!tier:commune",
    "selector 'all,!tier:department,!tier:district,!tier:commune' selects no site" },
  { "!xa-dao-tru", "selector '!xa-dao-tru' selects no site; it only excludes (start with what "
                   "to include, e.g. all,!TERM)" },
};

static void
test_selector_errors (void)
{
  g_autoptr (HnConfig) config = load_shipped ();

  for (guint i = 0; i < G_N_ELEMENTS (selector_errors); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (GPtrArray) sites = NULL;

    g_test_message ("selector '%s'", selector_errors[i].selector);
    sites = hn_site_selector_resolve (selector_errors[i].selector, config, &error);
    g_assert_null (sites);
    g_assert_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT);
    g_assert_cmpstr (error->message, ==, selector_errors[i].message);
  }
}

/* Layouts */

typedef struct {
  const gchar *site_id;
  gint x, y, width, height;
  guint zorder;
} Cell;

#define CELLS_END                                                                                  \
  {                                                                                                \
    "end", -1, -1, -1, -1, 0                                                                       \
  }

static void
assert_cells (GArray *cells, const Cell *expected)
{
  guint n = 0;

  for (; !g_str_equal (expected[n].site_id != NULL ? expected[n].site_id : "", "end"); n++) {
    HnLayoutCell *cell;

    g_assert_cmpuint (n, <, cells->len);
    cell = &g_array_index (cells, HnLayoutCell, n);
    g_assert_cmpstr (cell->site_id, ==, expected[n].site_id);
    g_assert_cmpint (cell->x, ==, expected[n].x);
    g_assert_cmpint (cell->y, ==, expected[n].y);
    g_assert_cmpint (cell->width, ==, expected[n].width);
    g_assert_cmpint (cell->height, ==, expected[n].height);
    g_assert_cmpuint (cell->zorder, ==, expected[n].zorder);
  }
  g_assert_cmpuint (cells->len, ==, n);
}

static const gchar *const none[] = { NULL };
static const gchar *const one[] = { "xa-dao-tru", NULL };
static const gchar *const three[] = { "xa-dao-tru", "so-tttt", "xa-bo-ly", NULL };
static const gchar *const five[] = { "xa-dao-tru", "so-tttt",   "xa-bo-ly",
                                     "tt-tam-dao", "xa-ho-son", NULL };

static const struct {
  HnLayout layout;
  guint width, height;
  const gchar *floor;
  const gchar *const *visible;
  Cell cells[5];
} layout_cases[] = {
  /* single: the floor holder or the chair, full frame; visible is ignored */
  { HN_LAYOUT_SINGLE, 160, 120, NULL, NULL, { { NULL, 0, 0, 160, 120, 0 }, CELLS_END } },
  { HN_LAYOUT_SINGLE, 160, 120, NULL, three, { { NULL, 0, 0, 160, 120, 0 }, CELLS_END } },
  { HN_LAYOUT_SINGLE,
    160,
    120,
    "xa-dao-tru",
    three,
    { { "xa-dao-tru", 0, 0, 160, 120, 0 }, CELLS_END } },
  { HN_LAYOUT_SINGLE, 1280, 720, NULL, NULL, { { NULL, 0, 0, 1280, 720, 0 }, CELLS_END } },
  { HN_LAYOUT_SINGLE,
    1280,
    720,
    "so-tttt",
    NULL,
    { { "so-tttt", 0, 0, 1280, 720, 0 }, CELLS_END } },
  /* pip: inset 160/3 = 53 -> 52 by 120/3 = 40, margin 160/32 = 5 -> 4 */
  { HN_LAYOUT_PIP, 160, 120, NULL, three, { { NULL, 0, 0, 160, 120, 0 }, CELLS_END } },
  { HN_LAYOUT_PIP,
    160,
    120,
    "xa-dao-tru",
    NULL,
    { { "xa-dao-tru", 0, 0, 160, 120, 0 }, { NULL, 104, 76, 52, 40, 1 }, CELLS_END } },
  /* inset 426 by 240, margin 40 */
  { HN_LAYOUT_PIP, 1280, 720, NULL, NULL, { { NULL, 0, 0, 1280, 720, 0 }, CELLS_END } },
  { HN_LAYOUT_PIP,
    1280,
    720,
    "xa-dao-tru",
    NULL,
    { { "xa-dao-tru", 0, 0, 1280, 720, 0 }, { NULL, 814, 440, 426, 240, 1 }, CELLS_END } },
  /* odd halves and thirds round down to even: inset 214 by 120, margin 20 */
  { HN_LAYOUT_PIP,
    642,
    362,
    "xa-dao-tru",
    NULL,
    { { "xa-dao-tru", 0, 0, 642, 362, 0 }, { NULL, 408, 222, 214, 120, 1 }, CELLS_END } },
  /* grid: the floor is ignored, the visible sites in reading order */
  { HN_LAYOUT_GRID, 160, 120, "xa-dao-tru", NULL, { { NULL, 0, 0, 160, 120, 0 }, CELLS_END } },
  { HN_LAYOUT_GRID, 160, 120, NULL, none, { { NULL, 0, 0, 160, 120, 0 }, CELLS_END } },
  { HN_LAYOUT_GRID, 160, 120, NULL, one, { { "xa-dao-tru", 0, 0, 80, 60, 0 }, CELLS_END } },
  { HN_LAYOUT_GRID,
    160,
    120,
    NULL,
    three,
    { { "xa-dao-tru", 0, 0, 80, 60, 0 },
      { "so-tttt", 80, 0, 80, 60, 0 },
      { "xa-bo-ly", 0, 60, 80, 60, 0 },
      CELLS_END } },
  { HN_LAYOUT_GRID,
    160,
    120,
    NULL,
    five,
    { { "xa-dao-tru", 0, 0, 80, 60, 0 },
      { "so-tttt", 80, 0, 80, 60, 0 },
      { "xa-bo-ly", 0, 60, 80, 60, 0 },
      { "tt-tam-dao", 80, 60, 80, 60, 0 },
      CELLS_END } },
  { HN_LAYOUT_GRID, 1280, 720, NULL, none, { { NULL, 0, 0, 1280, 720, 0 }, CELLS_END } },
  { HN_LAYOUT_GRID,
    1280,
    720,
    NULL,
    five,
    { { "xa-dao-tru", 0, 0, 640, 360, 0 },
      { "so-tttt", 640, 0, 640, 360, 0 },
      { "xa-bo-ly", 0, 360, 640, 360, 0 },
      { "tt-tam-dao", 640, 360, 640, 360, 0 },
      CELLS_END } },
  /* 322/2 = 161 -> 160, 182/2 = 91 -> 90 */
  { HN_LAYOUT_GRID,
    322,
    182,
    NULL,
    three,
    { { "xa-dao-tru", 0, 0, 160, 90, 0 },
      { "so-tttt", 160, 0, 160, 90, 0 },
      { "xa-bo-ly", 0, 90, 160, 90, 0 },
      CELLS_END } },
};

static void
test_layout_cells (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (layout_cases); i++) {
    g_autoptr (GArray) cells = NULL;

    g_test_message ("case %u: %s %ux%u", i, hn_layout_to_string (layout_cases[i].layout),
                    layout_cases[i].width, layout_cases[i].height);
    cells =
        hn_layout_compute (layout_cases[i].layout, layout_cases[i].width, layout_cases[i].height,
                           layout_cases[i].floor, layout_cases[i].visible);
    assert_cells (cells, layout_cases[i].cells);
  }
}

static void
test_layout_names (void)
{
  const gchar *const *names = hn_layout_get_names ();
  HnLayout layout = HN_LAYOUT_LAST;

  g_assert_cmpstr (hn_layout_to_string (HN_LAYOUT_SINGLE), ==, "single");
  g_assert_cmpstr (hn_layout_to_string (HN_LAYOUT_PIP), ==, "pip");
  g_assert_cmpstr (hn_layout_to_string (HN_LAYOUT_GRID), ==, "grid");
  g_assert_true (hn_layout_from_string ("single", &layout));
  g_assert_cmpint (layout, ==, HN_LAYOUT_SINGLE);
  g_assert_true (hn_layout_from_string ("pip", &layout));
  g_assert_cmpint (layout, ==, HN_LAYOUT_PIP);
  g_assert_true (hn_layout_from_string ("grid", &layout));
  g_assert_cmpint (layout, ==, HN_LAYOUT_GRID);
  g_assert_true (hn_layout_from_string ("grid", NULL));
  layout = HN_LAYOUT_LAST;
  g_assert_false (hn_layout_from_string ("Grid", &layout));
  g_assert_false (hn_layout_from_string ("", &layout));
  g_assert_false (hn_layout_from_string ("picture-in-picture", &layout));
  g_assert_cmpint (layout, ==, HN_LAYOUT_LAST);
  g_assert_cmpuint (g_strv_length ((gchar **) names), ==, 3);
  g_assert_cmpstr (names[0], ==, "single");
  g_assert_cmpstr (names[1], ==, "pip");
  g_assert_cmpstr (names[2], ==, "grid");
}

/* Meetings */

static HnSite *
make_site (const gchar *id, HnTier tier)
{
  static guint n;
  const HnMediaSettings media = { 5004, 160, 120, 15, 300, 32 };
  g_autofree gchar *address = g_strdup_printf ("10.0.0.%u", ++n);

  return hn_site_new (id, id, NULL, tier, NULL, NULL, address, &media);
}

static GPtrArray *make_sites (const gchar *first, ...) G_GNUC_NULL_TERMINATED;

static GPtrArray *
make_sites (const gchar *first, ...)
{
  GPtrArray *sites = g_ptr_array_new_with_free_func (g_object_unref);
  va_list ap;

  va_start (ap, first);
  for (const gchar *id = first; id != NULL; id = va_arg (ap, const gchar *))
    g_ptr_array_add (sites, make_site (id, HN_TIER_COMMUNE));
  va_end (ap);
  return sites;
}

/* "changed" as a test sees it: how often, and the flags of the last one */
typedef struct {
  guint count;
  HnMeetingChange flags;
} Changes;

static void
changed_cb (HnMeeting *meeting, HnMeetingChange flags, gpointer user_data)
{
  Changes *c = user_data;

  c->count++;
  c->flags = flags;
}

/* Checks that exactly @count emissions happened since the last check, the
 * last with @flags, and starts counting again. */
#define assert_changes(c, n, f)                                                                    \
  G_STMT_START                                                                                     \
  {                                                                                                \
    g_assert_cmpuint ((c)->count, ==, (n));                                                        \
    if ((n) > 0)                                                                                   \
      g_assert_cmphex ((c)->flags, ==, (f));                                                       \
    (c)->count = 0;                                                                                \
    (c)->flags = 0;                                                                                \
  }                                                                                                \
  G_STMT_END

static HnMeeting *
meeting_new_ok (GPtrArray *sites, Changes *changes)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HnMeeting) meeting =
      hn_meeting_new ("weekly", "Weekly briefing", "test", HN_LAYOUT_GRID, sites, &error);

  g_assert_no_error (error);
  g_assert_nonnull (meeting);
  if (changes != NULL)
    g_signal_connect (meeting, "changed", G_CALLBACK (changed_cb), changes);
  return g_steal_pointer (&meeting);
}

static void
assert_strings (GPtrArray *strings, const gchar *const *expected)
{
  for (guint i = 0; expected[i] != NULL; i++) {
    g_assert_cmpuint (i, <, strings->len);
    g_assert_cmpstr (strings->pdata[i], ==, expected[i]);
  }
  g_assert_cmpuint (strings->len, ==, g_strv_length ((gchar **) expected));
  /* NULL-terminated, so pdata is a strv */
  g_assert_null (strings->pdata[strings->len]);
}

#define STRV(...) ((const gchar *const[]){ __VA_ARGS__, NULL })
#define STRV_EMPTY ((const gchar *const[]){ NULL })

static void
assert_visible (HnMeeting *meeting, const gchar *const *expected)
{
  g_autoptr (GPtrArray) visible = hn_meeting_get_visible (meeting);

  assert_strings (visible, expected);
}

static void
assert_audible (HnMeeting *meeting, const gchar *const *expected)
{
  g_autoptr (GPtrArray) audible = hn_meeting_get_audible (meeting);

  assert_strings (audible, expected);
}

static void
test_meeting_new (void)
{
  g_autoptr (GPtrArray) sites = make_sites ("xa-dao-tru", "so-tttt", "huyen-tam-dao", NULL);
  g_autoptr (GPtrArray) empty = g_ptr_array_new ();
  g_autoptr (GPtrArray) twice = make_sites ("xa-dao-tru", "so-tttt", "xa-dao-tru", NULL);
  g_autoptr (GPtrArray) with_hub = make_sites ("xa-dao-tru", NULL);
  g_autoptr (HnMeeting) meeting = NULL;
  g_autoptr (HnMeeting) untitled = NULL;
  const gchar *const bad_ids[] = { "",    "Weekly",          "weekly-",
                                   "1st", "weekly_briefing", "hoinghi-meeting@weekly",
                                   NULL };

  meeting = hn_meeting_new ("weekly", "Weekly briefing", "srt://10.0.0.1:9000", HN_LAYOUT_PIP,
                            sites, NULL);
  g_assert_nonnull (meeting);
  g_assert_cmpstr (hn_meeting_get_id (meeting), ==, "weekly");
  g_assert_cmpstr (hn_meeting_get_title (meeting), ==, "Weekly briefing");
  g_assert_cmpstr (hn_meeting_get_source (meeting), ==, "srt://10.0.0.1:9000");
  g_assert_cmpint (hn_meeting_get_layout (meeting), ==, HN_LAYOUT_PIP);
  g_assert_null (hn_meeting_get_floor (meeting));
  /* selection order, not configuration order */
  assert_strings (hn_meeting_get_sites (meeting), STRV ("xa-dao-tru", "so-tttt", "huyen-tam-dao"));
  g_assert_cmpuint (hn_meeting_get_participants (meeting)->len, ==, 3);
  g_assert_true (hn_meeting_get_participants (meeting)->pdata[1] == sites->pdata[1]);
  g_assert_true (hn_meeting_get_site (meeting, "so-tttt") == sites->pdata[1]);
  g_assert_null (hn_meeting_get_site (meeting, "xa-bo-ly"));
  g_assert_true (hn_meeting_has_site (meeting, "huyen-tam-dao"));
  g_assert_false (hn_meeting_has_site (meeting, "xa-bo-ly"));
  assert_strings (hn_meeting_get_floor_requests (meeting), STRV_EMPTY);
  assert_audible (meeting, STRV_EMPTY);

  /* the title defaults to the id */
  untitled = hn_meeting_new ("weekly", NULL, "test", HN_LAYOUT_SINGLE, sites, NULL);
  g_assert_cmpstr (hn_meeting_get_title (untitled), ==, "weekly");

  for (guint i = 0; bad_ids[i] != NULL; i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (HnMeeting) bad = NULL;
    g_autofree gchar *expected = g_strdup_printf (
        "invalid meeting id '%s': use lowercase ASCII letters, digits and '-', starting with a "
        "letter, not ending with '-', at most 63 characters",
        bad_ids[i]);

    bad = hn_meeting_new (bad_ids[i], "x", "test", HN_LAYOUT_GRID, sites, &error);
    g_assert_null (bad);
    g_assert_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT);
    g_assert_cmpstr (error->message, ==, expected);
  }

  {
    g_autoptr (GError) error = NULL;
    g_autoptr (HnMeeting) bad = hn_meeting_new ("weekly", NULL, "", HN_LAYOUT_GRID, sites, &error);

    g_assert_null (bad);
    g_assert_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT);
    g_assert_cmpstr (error->message, ==, "meeting 'weekly' has an empty source");
  }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (HnMeeting) bad =
        hn_meeting_new ("weekly", NULL, "test", HN_LAYOUT_GRID, empty, &error);

    g_assert_null (bad);
    g_assert_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT);
    g_assert_cmpstr (error->message, ==, "meeting 'weekly' has no participant");
  }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (HnMeeting) bad =
        hn_meeting_new ("weekly", NULL, "test", HN_LAYOUT_GRID, NULL, &error);

    g_assert_null (bad);
    g_assert_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT);
    g_assert_cmpstr (error->message, ==, "meeting 'weekly' has no participant");
  }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (HnMeeting) bad =
        hn_meeting_new ("weekly", NULL, "test", HN_LAYOUT_GRID, twice, &error);

    g_assert_null (bad);
    g_assert_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT);
    g_assert_cmpstr (error->message, ==,
                     "site 'xa-dao-tru' is already a participant of meeting 'weekly'");
  }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (HnMeeting) bad = NULL;

    g_ptr_array_add (with_hub, make_site ("ubnd-tinh", HN_TIER_HUB));
    bad = hn_meeting_new ("weekly", NULL, "test", HN_LAYOUT_GRID, with_hub, &error);
    g_assert_null (bad);
    g_assert_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT);
    g_assert_cmpstr (error->message, ==,
                     "'ubnd-tinh' is the hub, which chairs every meeting and is never a "
                     "participant");
  }
}

static void
test_meeting_from_selector (void)
{
  g_autoptr (HnConfig) config = load_shipped ();
  g_autoptr (GPtrArray) sites = resolve_ok (config, "all");
  g_autoptr (HnMeeting) meeting = meeting_new_ok (sites, NULL);
  GPtrArray *ids = hn_meeting_get_sites (meeting);

  g_assert_cmpuint (ids->len, ==, 147);
  g_assert_cmpstr (ids->pdata[0], ==, "so-tttt");
  g_assert_false (hn_meeting_has_site (meeting, "ubnd-tinh"));
  assert_visible (meeting, STRV ("so-tttt", "vp-ubnd-tinh", "tp-vinh-yen", "tp-phuc-yen"));
}

static void
test_meeting_participants (void)
{
  g_autoptr (GPtrArray) sites = make_sites ("xa-dao-tru", "so-tttt", "huyen-tam-dao", NULL);
  g_autoptr (HnSite) bo_ly = make_site ("xa-bo-ly", HN_TIER_COMMUNE);
  g_autoptr (HnSite) bo_ly_again = make_site ("xa-bo-ly", HN_TIER_COMMUNE);
  g_autoptr (HnSite) hub = make_site ("ubnd-tinh", HN_TIER_HUB);
  g_autoptr (GError) error = NULL;
  Changes changes = { 0 };
  g_autoptr (HnMeeting) meeting = meeting_new_ok (sites, &changes);

  g_assert_true (hn_meeting_add_site (meeting, bo_ly, &error));
  g_assert_no_error (error);
  assert_changes (&changes, 1, HN_MEETING_CHANGE_PARTICIPANTS);
  assert_strings (hn_meeting_get_sites (meeting),
                  STRV ("xa-dao-tru", "so-tttt", "huyen-tam-dao", "xa-bo-ly"));

  /* the same id, even as another object, is refused */
  g_assert_false (hn_meeting_add_site (meeting, bo_ly_again, &error));
  g_assert_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==,
                   "site 'xa-bo-ly' is already a participant of meeting 'weekly'");
  g_clear_error (&error);
  g_assert_false (hn_meeting_add_site (meeting, hub, &error));
  g_assert_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==,
                   "'ubnd-tinh' is the hub, which chairs every meeting and is never a participant");
  g_clear_error (&error);
  assert_changes (&changes, 0, 0);

  g_assert_false (hn_meeting_remove_site (meeting, "xa-ho-son", &error));
  g_assert_error (error, HN_ERROR, HN_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "site 'xa-ho-son' is not a participant of meeting 'weekly'");
  g_clear_error (&error);
  assert_changes (&changes, 0, 0);

  /* a plain participant: only the participants change */
  g_assert_true (hn_meeting_remove_site (meeting, "so-tttt", &error));
  g_assert_no_error (error);
  assert_changes (&changes, 1, HN_MEETING_CHANGE_PARTICIPANTS);
  assert_strings (hn_meeting_get_sites (meeting), STRV ("xa-dao-tru", "huyen-tam-dao", "xa-bo-ly"));
  g_assert_false (hn_meeting_has_site (meeting, "so-tttt"));

  /* the floor holder, muted: its floor and mute go with it */
  g_assert_true (hn_meeting_set_floor (meeting, "xa-bo-ly", NULL));
  g_assert_true (hn_meeting_set_muted (meeting, "xa-bo-ly", TRUE, NULL));
  assert_changes (&changes, 2, HN_MEETING_CHANGE_MUTE);
  g_assert_true (hn_meeting_remove_site (meeting, "xa-bo-ly", &error));
  g_assert_no_error (error);
  assert_changes (&changes, 1,
                  HN_MEETING_CHANGE_PARTICIPANTS | HN_MEETING_CHANGE_FLOOR |
                      HN_MEETING_CHANGE_MUTE);
  g_assert_null (hn_meeting_get_floor (meeting));
  g_assert_false (hn_meeting_is_muted (meeting, "xa-bo-ly"));

  /* a site asking for the floor: its request goes with it; a removed
   * site's id may be the caller's only copy */
  g_assert_true (hn_meeting_request_floor (meeting, "xa-dao-tru", NULL));
  g_assert_true (hn_meeting_request_floor (meeting, "huyen-tam-dao", NULL));
  assert_changes (&changes, 2, HN_MEETING_CHANGE_FLOOR_REQUESTS);
  g_assert_true (
      hn_meeting_remove_site (meeting, hn_meeting_get_floor_requests (meeting)->pdata[0], &error));
  g_assert_no_error (error);
  assert_changes (&changes, 1, HN_MEETING_CHANGE_PARTICIPANTS | HN_MEETING_CHANGE_FLOOR_REQUESTS);
  assert_strings (hn_meeting_get_floor_requests (meeting), STRV ("huyen-tam-dao"));
  assert_strings (hn_meeting_get_sites (meeting), STRV ("huyen-tam-dao"));

  /* a meeting keeps one participant at least */
  g_assert_false (hn_meeting_remove_site (meeting, "huyen-tam-dao", &error));
  g_assert_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==,
                   "site 'huyen-tam-dao' is the last participant of meeting 'weekly'; stop the "
                   "meeting instead");
  g_clear_error (&error);
  assert_changes (&changes, 0, 0);

  /* a removed site can join again, with a clean slate */
  g_assert_true (hn_meeting_add_site (meeting, bo_ly_again, NULL));
  assert_changes (&changes, 1, HN_MEETING_CHANGE_PARTICIPANTS);
  g_assert_true (hn_meeting_get_site (meeting, "xa-bo-ly") == bo_ly_again);
  g_assert_false (hn_meeting_is_muted (meeting, "xa-bo-ly"));
}

static void
test_meeting_floor (void)
{
  g_autoptr (GPtrArray) sites =
      make_sites ("xa-dao-tru", "so-tttt", "huyen-tam-dao", "xa-bo-ly", NULL);
  g_autoptr (GError) error = NULL;
  Changes changes = { 0 };
  g_autoptr (HnMeeting) meeting = meeting_new_ok (sites, &changes);

  g_assert_false (hn_meeting_set_floor (meeting, "xa-ho-son", &error));
  g_assert_error (error, HN_ERROR, HN_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "site 'xa-ho-son' is not a participant of meeting 'weekly'");
  g_clear_error (&error);
  g_assert_false (hn_meeting_set_floor (meeting, "ubnd-tinh", &error));
  g_assert_error (error, HN_ERROR, HN_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* nobody to nobody */
  g_assert_true (hn_meeting_set_floor (meeting, NULL, &error));
  g_assert_no_error (error);
  assert_changes (&changes, 0, 0);

  g_assert_true (hn_meeting_set_floor (meeting, "so-tttt", &error));
  g_assert_no_error (error);
  assert_changes (&changes, 1, HN_MEETING_CHANGE_FLOOR);
  g_assert_cmpstr (hn_meeting_get_floor (meeting), ==, "so-tttt");
  g_assert_true (hn_meeting_set_floor (meeting, "so-tttt", NULL));
  assert_changes (&changes, 0, 0);
  g_assert_true (hn_meeting_set_floor (meeting, NULL, NULL));
  assert_changes (&changes, 1, HN_MEETING_CHANGE_FLOOR);
  g_assert_null (hn_meeting_get_floor (meeting));
  g_assert_true (hn_meeting_set_floor (meeting, "xa-dao-tru", NULL));
  assert_changes (&changes, 1, HN_MEETING_CHANGE_FLOOR);

  /* the queue: first come first served */
  g_assert_true (hn_meeting_request_floor (meeting, "xa-bo-ly", &error));
  g_assert_no_error (error);
  assert_changes (&changes, 1, HN_MEETING_CHANGE_FLOOR_REQUESTS);
  g_assert_true (hn_meeting_request_floor (meeting, "so-tttt", NULL));
  g_assert_true (hn_meeting_request_floor (meeting, "huyen-tam-dao", NULL));
  assert_changes (&changes, 2, HN_MEETING_CHANGE_FLOOR_REQUESTS);
  /* asking again keeps one's place; the holder asking changes nothing */
  g_assert_true (hn_meeting_request_floor (meeting, "xa-bo-ly", NULL));
  g_assert_true (hn_meeting_request_floor (meeting, "xa-dao-tru", NULL));
  assert_changes (&changes, 0, 0);
  assert_strings (hn_meeting_get_floor_requests (meeting),
                  STRV ("xa-bo-ly", "so-tttt", "huyen-tam-dao"));
  g_assert_false (hn_meeting_request_floor (meeting, "xa-ho-son", &error));
  g_assert_error (error, HN_ERROR, HN_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "site 'xa-ho-son' is not a participant of meeting 'weekly'");
  g_clear_error (&error);
  assert_changes (&changes, 0, 0);

  /* granting takes the site out of the queue, in one change; the id may
   * come straight from the queue */
  g_assert_true (
      hn_meeting_set_floor (meeting, hn_meeting_get_floor_requests (meeting)->pdata[1], &error));
  g_assert_no_error (error);
  assert_changes (&changes, 1, HN_MEETING_CHANGE_FLOOR | HN_MEETING_CHANGE_FLOOR_REQUESTS);
  g_assert_cmpstr (hn_meeting_get_floor (meeting), ==, "so-tttt");
  assert_strings (hn_meeting_get_floor_requests (meeting), STRV ("xa-bo-ly", "huyen-tam-dao"));

  /* the previous holder may ask again */
  g_assert_true (hn_meeting_request_floor (meeting, "xa-dao-tru", NULL));
  assert_changes (&changes, 1, HN_MEETING_CHANGE_FLOOR_REQUESTS);
  assert_strings (hn_meeting_get_floor_requests (meeting),
                  STRV ("xa-bo-ly", "huyen-tam-dao", "xa-dao-tru"));

  /* cancelling */
  g_assert_true (hn_meeting_cancel_floor_request (meeting, "huyen-tam-dao", &error));
  g_assert_no_error (error);
  assert_changes (&changes, 1, HN_MEETING_CHANGE_FLOOR_REQUESTS);
  assert_strings (hn_meeting_get_floor_requests (meeting), STRV ("xa-bo-ly", "xa-dao-tru"));
  g_assert_true (hn_meeting_cancel_floor_request (meeting, "huyen-tam-dao", &error));
  g_assert_true (hn_meeting_cancel_floor_request (meeting, "so-tttt", &error));
  g_assert_no_error (error);
  assert_changes (&changes, 0, 0);
  g_assert_false (hn_meeting_cancel_floor_request (meeting, "xa-ho-son", &error));
  g_assert_error (error, HN_ERROR, HN_ERROR_NOT_FOUND);
  g_clear_error (&error);
  assert_changes (&changes, 0, 0);
  g_assert_true (hn_meeting_cancel_floor_request (
      meeting, hn_meeting_get_floor_requests (meeting)->pdata[0], NULL));
  assert_changes (&changes, 1, HN_MEETING_CHANGE_FLOOR_REQUESTS);
  assert_strings (hn_meeting_get_floor_requests (meeting), STRV ("xa-dao-tru"));

  /* taking the floor back leaves the queue alone */
  g_assert_true (hn_meeting_set_floor (meeting, NULL, NULL));
  assert_changes (&changes, 1, HN_MEETING_CHANGE_FLOOR);
  assert_strings (hn_meeting_get_floor_requests (meeting), STRV ("xa-dao-tru"));
}

static void
test_meeting_mute (void)
{
  g_autoptr (GPtrArray) sites = make_sites ("xa-dao-tru", "so-tttt", NULL);
  g_autoptr (GError) error = NULL;
  Changes changes = { 0 };
  g_autoptr (HnMeeting) meeting = meeting_new_ok (sites, &changes);

  /* nobody on the floor: only the chair is heard */
  assert_audible (meeting, STRV_EMPTY);
  g_assert_true (hn_meeting_set_floor (meeting, "xa-dao-tru", NULL));
  assert_changes (&changes, 1, HN_MEETING_CHANGE_FLOOR);
  assert_audible (meeting, STRV ("xa-dao-tru"));

  g_assert_false (hn_meeting_is_muted (meeting, "xa-dao-tru"));
  g_assert_true (hn_meeting_set_muted (meeting, "xa-dao-tru", FALSE, &error));
  g_assert_no_error (error);
  assert_changes (&changes, 0, 0);
  g_assert_true (hn_meeting_set_muted (meeting, "xa-dao-tru", TRUE, &error));
  g_assert_no_error (error);
  assert_changes (&changes, 1, HN_MEETING_CHANGE_MUTE);
  g_assert_true (hn_meeting_is_muted (meeting, "xa-dao-tru"));
  g_assert_true (hn_meeting_set_muted (meeting, "xa-dao-tru", TRUE, NULL));
  assert_changes (&changes, 0, 0);
  assert_audible (meeting, STRV_EMPTY);

  /* the mute stays with the site, not with the floor */
  g_assert_true (hn_meeting_set_floor (meeting, "so-tttt", NULL));
  assert_audible (meeting, STRV ("so-tttt"));
  g_assert_true (hn_meeting_is_muted (meeting, "xa-dao-tru"));
  g_assert_true (hn_meeting_set_floor (meeting, "xa-dao-tru", NULL));
  assert_audible (meeting, STRV_EMPTY);
  assert_changes (&changes, 2, HN_MEETING_CHANGE_FLOOR);

  /* muting a site without the floor changes no sound, but is state */
  g_assert_true (hn_meeting_set_muted (meeting, "so-tttt", TRUE, NULL));
  assert_changes (&changes, 1, HN_MEETING_CHANGE_MUTE);
  g_assert_true (hn_meeting_set_muted (meeting, "xa-dao-tru", FALSE, NULL));
  assert_changes (&changes, 1, HN_MEETING_CHANGE_MUTE);
  assert_audible (meeting, STRV ("xa-dao-tru"));

  g_assert_false (hn_meeting_set_muted (meeting, "xa-ho-son", TRUE, &error));
  g_assert_error (error, HN_ERROR, HN_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "site 'xa-ho-son' is not a participant of meeting 'weekly'");
  g_clear_error (&error);
  g_assert_false (hn_meeting_is_muted (meeting, "xa-ho-son"));
  assert_changes (&changes, 0, 0);
}

static void
test_meeting_visible (void)
{
  g_autoptr (GPtrArray) sites = make_sites ("so-tttt", "huyen-tam-dao", "xa-dao-tru",
                                            "xa-yen-duong", "xa-bo-ly", "xa-ho-son", NULL);
  g_autoptr (HnSite) minh_quang = make_site ("xa-minh-quang", HN_TIER_COMMUNE);
  Changes changes = { 0 };
  g_autoptr (HnMeeting) meeting = meeting_new_ok (sites, &changes);

  /* nobody has spoken: the first four */
  assert_visible (meeting, STRV ("so-tttt", "huyen-tam-dao", "xa-dao-tru", "xa-yen-duong"));
  g_assert_true (hn_meeting_set_floor (meeting, "xa-bo-ly", NULL));
  assert_visible (meeting, STRV ("xa-bo-ly", "so-tttt", "huyen-tam-dao", "xa-dao-tru"));
  g_assert_true (hn_meeting_set_floor (meeting, "xa-ho-son", NULL));
  assert_visible (meeting, STRV ("xa-ho-son", "xa-bo-ly", "so-tttt", "huyen-tam-dao"));
  g_assert_true (hn_meeting_set_floor (meeting, "xa-yen-duong", NULL));
  assert_visible (meeting, STRV ("xa-yen-duong", "xa-ho-son", "xa-bo-ly", "so-tttt"));
  /* a previous holder again moves to the front, once */
  g_assert_true (hn_meeting_set_floor (meeting, "xa-bo-ly", NULL));
  assert_visible (meeting, STRV ("xa-bo-ly", "xa-yen-duong", "xa-ho-son", "so-tttt"));
  /* taking the floor back keeps who spoke on screen, most recent first */
  g_assert_true (hn_meeting_set_floor (meeting, NULL, NULL));
  assert_visible (meeting, STRV ("xa-bo-ly", "xa-yen-duong", "xa-ho-son", "so-tttt"));
  assert_changes (&changes, 5, HN_MEETING_CHANGE_FLOOR);
  /* a site that leaves leaves the screen too */
  g_assert_true (hn_meeting_remove_site (meeting, "xa-yen-duong", NULL));
  assert_visible (meeting, STRV ("xa-bo-ly", "xa-ho-son", "so-tttt", "huyen-tam-dao"));
  g_assert_true (hn_meeting_set_floor (meeting, "xa-dao-tru", NULL));
  assert_visible (meeting, STRV ("xa-dao-tru", "xa-bo-ly", "xa-ho-son", "so-tttt"));
  /* a newcomer comes last */
  g_assert_true (hn_meeting_add_site (meeting, minh_quang, NULL));
  assert_visible (meeting, STRV ("xa-dao-tru", "xa-bo-ly", "xa-ho-son", "so-tttt"));
  assert_changes (&changes, 3, HN_MEETING_CHANGE_PARTICIPANTS);
}

static void
test_meeting_visible_few (void)
{
  g_autoptr (GPtrArray) sites = make_sites ("xa-dao-tru", "so-tttt", NULL);
  g_autoptr (HnMeeting) meeting = meeting_new_ok (sites, NULL);

  assert_visible (meeting, STRV ("xa-dao-tru", "so-tttt"));
  g_assert_true (hn_meeting_set_floor (meeting, "so-tttt", NULL));
  assert_visible (meeting, STRV ("so-tttt", "xa-dao-tru"));
}

static void
test_meeting_layout (void)
{
  g_autoptr (GPtrArray) sites =
      make_sites ("xa-dao-tru", "so-tttt", "huyen-tam-dao", "xa-bo-ly", "xa-ho-son", NULL);
  Changes changes = { 0 };
  g_autoptr (HnMeeting) meeting = meeting_new_ok (sites, &changes);
  g_autoptr (GArray) grid = NULL;
  g_autoptr (GArray) grid_floor = NULL;
  g_autoptr (GArray) pip_chair = NULL;
  g_autoptr (GArray) pip = NULL;
  g_autoptr (GArray) single = NULL;
  const Cell expected_grid[] = {
    { "xa-dao-tru", 0, 0, 80, 60, 0 },
    { "so-tttt", 80, 0, 80, 60, 0 },
    { "huyen-tam-dao", 0, 60, 80, 60, 0 },
    { "xa-bo-ly", 80, 60, 80, 60, 0 },
    CELLS_END,
  };
  const Cell expected_grid_floor[] = {
    { "xa-ho-son", 0, 0, 640, 360, 0 },
    { "xa-dao-tru", 640, 0, 640, 360, 0 },
    { "so-tttt", 0, 360, 640, 360, 0 },
    { "huyen-tam-dao", 640, 360, 640, 360, 0 },
    CELLS_END,
  };
  const Cell expected_pip_chair[] = { { NULL, 0, 0, 160, 120, 0 }, CELLS_END };
  const Cell expected_pip[] = {
    { "xa-ho-son", 0, 0, 160, 120, 0 },
    { NULL, 104, 76, 52, 40, 1 },
    CELLS_END,
  };
  const Cell expected_single[] = { { "xa-ho-son", 0, 0, 1280, 720, 0 }, CELLS_END };

  g_assert_cmpint (hn_meeting_get_layout (meeting), ==, HN_LAYOUT_GRID);
  grid = hn_meeting_compute_layout (meeting, 160, 120);
  assert_cells (grid, expected_grid);
  g_assert_true (hn_meeting_set_floor (meeting, "xa-ho-son", NULL));
  grid_floor = hn_meeting_compute_layout (meeting, 1280, 720);
  assert_cells (grid_floor, expected_grid_floor);
  g_assert_true (hn_meeting_set_floor (meeting, NULL, NULL));
  assert_changes (&changes, 2, HN_MEETING_CHANGE_FLOOR);

  hn_meeting_set_layout (meeting, HN_LAYOUT_GRID);
  assert_changes (&changes, 0, 0);
  hn_meeting_set_layout (meeting, HN_LAYOUT_PIP);
  assert_changes (&changes, 1, HN_MEETING_CHANGE_LAYOUT);
  g_assert_cmpint (hn_meeting_get_layout (meeting), ==, HN_LAYOUT_PIP);
  pip_chair = hn_meeting_compute_layout (meeting, 160, 120);
  assert_cells (pip_chair, expected_pip_chair);
  g_assert_true (hn_meeting_set_floor (meeting, "xa-ho-son", NULL));
  pip = hn_meeting_compute_layout (meeting, 160, 120);
  assert_cells (pip, expected_pip);
  hn_meeting_set_layout (meeting, HN_LAYOUT_SINGLE);
  single = hn_meeting_compute_layout (meeting, 1280, 720);
  assert_cells (single, expected_single);
  assert_changes (&changes, 2, HN_MEETING_CHANGE_LAYOUT);
}

static gchar *
meeting_json (HnMeeting *meeting)
{
  g_autoptr (JsonNode) node = hn_meeting_to_json (meeting);

  return json_to_string (node, FALSE);
}

static void
test_meeting_json (void)
{
  g_autoptr (GPtrArray) sites = make_sites ("so-tttt", "xa-dao-tru", "huyen-tam-dao", NULL);
  g_autoptr (HnMeeting) meeting = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autofree gchar *fresh = NULL;
  g_autofree gchar *busy = NULL;
  g_autofree gchar *extended = NULL;

  meeting = hn_meeting_new ("weekly", "Giao ban tuần", "test", HN_LAYOUT_PIP, sites, NULL);
  g_assert_nonnull (meeting);
  fresh = meeting_json (meeting);
  g_assert_cmpstr (fresh, ==,
                   "{\"id\":\"weekly\",\"title\":\"Giao ban tuần\",\"source\":\"test\","
                   "\"layout\":\"pip\",\"floor\":null,\"participants\":["
                   "{\"id\":\"so-tttt\",\"muted\":false},"
                   "{\"id\":\"xa-dao-tru\",\"muted\":false},"
                   "{\"id\":\"huyen-tam-dao\",\"muted\":false}],"
                   "\"floor-requests\":[],"
                   "\"visible\":[\"so-tttt\",\"xa-dao-tru\",\"huyen-tam-dao\"],"
                   "\"audible\":[]}");

  g_assert_true (hn_meeting_set_floor (meeting, "xa-dao-tru", NULL));
  g_assert_true (hn_meeting_set_muted (meeting, "so-tttt", TRUE, NULL));
  g_assert_true (hn_meeting_request_floor (meeting, "huyen-tam-dao", NULL));
  hn_meeting_set_layout (meeting, HN_LAYOUT_GRID);
  busy = meeting_json (meeting);
  g_assert_cmpstr (busy, ==,
                   "{\"id\":\"weekly\",\"title\":\"Giao ban tuần\",\"source\":\"test\","
                   "\"layout\":\"grid\",\"floor\":\"xa-dao-tru\",\"participants\":["
                   "{\"id\":\"so-tttt\",\"muted\":true},"
                   "{\"id\":\"xa-dao-tru\",\"muted\":false},"
                   "{\"id\":\"huyen-tam-dao\",\"muted\":false}],"
                   "\"floor-requests\":[\"huyen-tam-dao\"],"
                   "\"visible\":[\"xa-dao-tru\",\"so-tttt\",\"huyen-tam-dao\"],"
                   "\"audible\":[\"xa-dao-tru\"]}");

  /* the daemon adds the media state of each participant */
  node = hn_meeting_to_json (meeting);
  json_object_set_string_member (
      json_array_get_object_element (
          json_object_get_array_member (json_node_get_object (node), "participants"), 1),
      "link", "up");
  extended = json_to_string (node, FALSE);
  g_assert_nonnull (strstr (extended, "{\"id\":\"xa-dao-tru\",\"muted\":false,\"link\":\"up\"}"));
}

static void
test_change_flags_type (void)
{
  GFlagsClass *klass = g_type_class_ref (HN_TYPE_MEETING_CHANGE);
  GFlagsValue *value = g_flags_get_first_value (klass, HN_MEETING_CHANGE_FLOOR_REQUESTS);

  g_assert_nonnull (value);
  g_assert_cmpstr (value->value_nick, ==, "floor-requests");
  g_assert_cmphex (klass->mask, ==, 0x1f);
  g_type_class_unref (klass);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hn/site-selector/all", test_selector_all);
  g_test_add_func ("/hn/site-selector/tiers", test_selector_tiers);
  g_test_add_func ("/hn/site-selector/district", test_selector_district);
  g_test_add_func ("/hn/site-selector/exclusions", test_selector_exclusions);
  g_test_add_func ("/hn/site-selector/order", test_selector_order);
  g_test_add_func ("/hn/site-selector/errors", test_selector_errors);

  g_test_add_func ("/hn/layout/cells", test_layout_cells);
  g_test_add_func ("/hn/layout/names", test_layout_names);

  g_test_add_func ("/hn/meeting/new", test_meeting_new);
  g_test_add_func ("/hn/meeting/from-selector", test_meeting_from_selector);
  g_test_add_func ("/hn/meeting/participants", test_meeting_participants);
  g_test_add_func ("/hn/meeting/floor", test_meeting_floor);
  g_test_add_func ("/hn/meeting/mute", test_meeting_mute);
  g_test_add_func ("/hn/meeting/visible", test_meeting_visible);
  g_test_add_func ("/hn/meeting/visible-few", test_meeting_visible_few);
  g_test_add_func ("/hn/meeting/layout", test_meeting_layout);
  g_test_add_func ("/hn/meeting/json", test_meeting_json);
  g_test_add_func ("/hn/meeting/change-flags", test_change_flags_type);

  return g_test_run ();
}
