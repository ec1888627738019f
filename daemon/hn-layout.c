/* Layouts: where each source of a meeting goes in the program picture.
 *
 * Plain arithmetic, kept apart from the compositor so that the rules can
 * be tested exactly and the media layer only copies rectangles onto
 * compositor pads. Sizes and offsets are even because the program is
 * encoded as I420, whose chroma planes are subsampled by two: an odd edge
 * would smear a colour fringe along the border of a cell.
 *
 * The rules, for a frame of W×H (every division rounds down, and "even"
 * means rounded down to an even number):
 *
 *  - single: one cell (0, 0, W, H), zorder 0: the floor holder, or the
 *    chair when nobody has the floor.
 *  - pip: the floor holder at (0, 0, W, H), zorder 0, and the chair as an
 *    inset of w = even (W/3) by h = even (H/3), m = even (W/32) from the
 *    right and bottom edges: (W - m - w, H - m - h, w, h), zorder 1. With
 *    nobody on the floor, the chair alone full frame.
 *    160×120: inset (104, 76, 52, 40); 1280×720: inset (814, 440, 426, 240).
 *  - grid: cells of w = even (W/2) by h = even (H/2) at (0, 0), (w, 0),
 *    (0, h), (w, h) in that order (reading order), zorder 0, filled with
 *    the visible sites in order; cells without a site are not returned.
 *    With no visible site, the chair alone full frame.
 *    160×120: 80×60 cells; 1280×720: 640×360 cells. */

#define G_LOG_DOMAIN "hoinghi-meeting"

#include "hn-layout.h"

static const gchar *const layout_names[] = {
  [HN_LAYOUT_SINGLE] = "single",
  [HN_LAYOUT_PIP] = "pip",
  [HN_LAYOUT_GRID] = "grid",
  [HN_LAYOUT_LAST] = NULL,
};

G_STATIC_ASSERT (G_N_ELEMENTS (layout_names) == HN_LAYOUT_LAST + 1);

const gchar *
hn_layout_to_string (HnLayout layout)
{
  g_return_val_if_fail (layout < HN_LAYOUT_LAST, NULL);
  return layout_names[layout];
}

gboolean
hn_layout_from_string (const gchar *str, HnLayout *layout)
{
  g_return_val_if_fail (str != NULL, FALSE);

  for (guint i = 0; i < HN_LAYOUT_LAST; i++) {
    if (g_str_equal (str, layout_names[i])) {
      if (layout != NULL)
        *layout = i;
      return TRUE;
    }
  }
  return FALSE;
}

/**
 * hn_layout_get_names:
 *
 * Returns: (transfer none): every layout's name, %NULL-terminated, for
 *   "did you mean" and "expected single, pip or grid"
 */
const gchar *const *
hn_layout_get_names (void)
{
  return layout_names;
}

void
hn_layout_cell_clear (HnLayoutCell *cell)
{
  g_return_if_fail (cell != NULL);
  g_clear_pointer (&cell->site_id, g_free);
}

static void
hn_layout_add_cell (
    GArray *cells, const gchar *site_id, guint x, guint y, guint width, guint height, guint zorder)
{
  HnLayoutCell cell = {
    .site_id = g_strdup (site_id),
    .x = (gint) x,
    .y = (gint) y,
    .width = (gint) width,
    .height = (gint) height,
    .zorder = zorder,
  };

  g_array_append_val (cells, cell);
}

#define EVEN(n) ((n) & ~1u)

/**
 * hn_layout_compute:
 * @width: of the program frame, at least 16
 * @height: of the program frame, at least 16
 * @floor: (nullable): the site holding the floor (single and pip)
 * @visible: (nullable): the sites to show in a grid, in order; at most the
 *   first %HN_LAYOUT_GRID_CELLS are used
 *
 * Places the sources of a program frame, by the rules at the top of this
 * file. The chair source is the cell whose site_id is %NULL.
 *
 * Returns: (transfer full) (element-type HnLayoutCell): the cells, lowest
 *   zorder first, with hn_layout_cell_clear() as the clear function
 */
GArray *
hn_layout_compute (
    HnLayout layout, guint width, guint height, const gchar *floor, const gchar *const *visible)
{
  g_autoptr (GArray) cells = NULL;

  g_return_val_if_fail (layout < HN_LAYOUT_LAST, NULL);
  g_return_val_if_fail (width >= 16 && width <= G_MAXINT, NULL);
  g_return_val_if_fail (height >= 16 && height <= G_MAXINT, NULL);

  cells = g_array_new (FALSE, TRUE, sizeof (HnLayoutCell));
  g_array_set_clear_func (cells, (GDestroyNotify) hn_layout_cell_clear);

  switch (layout) {
  case HN_LAYOUT_SINGLE:
    hn_layout_add_cell (cells, floor, 0, 0, width, height, 0);
    break;
  case HN_LAYOUT_PIP:
    hn_layout_add_cell (cells, floor, 0, 0, width, height, 0);
    if (floor != NULL) {
      guint w = EVEN (width / 3);
      guint h = EVEN (height / 3);
      guint margin = EVEN (width / 32);

      hn_layout_add_cell (cells, NULL, width - margin - w, height - margin - h, w, h, 1);
    }
    break;
  case HN_LAYOUT_GRID:
    if (visible == NULL || visible[0] == NULL) {
      hn_layout_add_cell (cells, NULL, 0, 0, width, height, 0);
    } else {
      guint w = EVEN (width / 2);
      guint h = EVEN (height / 2);

      for (guint i = 0; i < HN_LAYOUT_GRID_CELLS && visible[i] != NULL; i++)
        hn_layout_add_cell (cells, visible[i], (i % 2) * w, (i / 2) * h, w, h, 0);
    }
    break;
  case HN_LAYOUT_LAST:
  default:
    break;
  }
  return g_steal_pointer (&cells);
}
