#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * HnLayout:
 * @HN_LAYOUT_SINGLE: one source full frame
 * @HN_LAYOUT_PIP: the floor holder full frame, the chair as an inset
 * @HN_LAYOUT_GRID: up to four sites in a 2×2 grid
 *
 * How the program picture of a meeting is composed.
 */
typedef enum {
  HN_LAYOUT_SINGLE,
  HN_LAYOUT_PIP,
  HN_LAYOUT_GRID,
  HN_LAYOUT_LAST /*< skip >*/
} HnLayout;

/* the most sites a grid shows */
#define HN_LAYOUT_GRID_CELLS 4

const gchar *hn_layout_to_string (HnLayout layout);
gboolean hn_layout_from_string (const gchar *str, HnLayout *layout);
const gchar *const *hn_layout_get_names (void);

/**
 * HnLayoutCell:
 * @site_id: the site shown in the cell, or %NULL for the chair source
 * @x: left edge, in pixels from the left of the frame
 * @y: top edge, in pixels from the top of the frame
 * @width: width in pixels
 * @height: height in pixels
 * @zorder: stacking order; higher is drawn on top
 *
 * One rectangle of the program picture and what fills it.
 */
typedef struct {
  gchar *site_id;
  gint x;
  gint y;
  gint width;
  gint height;
  guint zorder;
} HnLayoutCell;

void hn_layout_cell_clear (HnLayoutCell *cell);

GArray *hn_layout_compute (HnLayout layout,
                           guint width,
                           guint height,
                           const gchar *floor,
                           const gchar *const *visible) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
