/* Fuzz target: an HTTP API request body, read by every route that takes
 * one (hn_api_meetings_read_*, hn_api_read_floor_request) exactly as the
 * handlers read it before they call the hub. A body that passes must give
 * what the handler relies on (a required string is there). */

#include <string.h>

#include "hn-api-meetings.h"
#include "hn-api-server.h"
#include "hn-fuzz.h"

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr (GBytes) body = NULL;
  HnMeetingRequest start;
  const gchar *text;
  gboolean flag;

  hn_fuzz_init ();
  /* libsoup hands an empty body as NULL, others as they came */
  body = size > 0 ? g_bytes_new (data, size) : NULL;

  {
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonObject) o = hn_api_meetings_read_start (body, &start, &error);

    hn_fuzz_check_result (o != NULL, error, "hn_api_meetings_read_start");
    if (o != NULL)
      g_assert (start.id != NULL);
  }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonObject) o = hn_api_meetings_read_site (body, &text, &error);

    hn_fuzz_check_result (o != NULL, error, "hn_api_meetings_read_site");
    if (o != NULL)
      g_assert (text != NULL);
  }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonObject) o = hn_api_meetings_read_floor (body, &text, &error);

    hn_fuzz_check_result (o != NULL, error, "hn_api_meetings_read_floor");
  }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonObject) o = hn_api_meetings_read_layout (body, &text, &error);

    hn_fuzz_check_result (o != NULL, error, "hn_api_meetings_read_layout");
    if (o != NULL)
      g_assert (text != NULL);
  }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonObject) o = hn_api_meetings_read_muted (body, &flag, &error);

    hn_fuzz_check_result (o != NULL, error, "hn_api_meetings_read_muted");
  }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonObject) o = hn_api_read_floor_request (body, &flag, &error);

    hn_fuzz_check_result (o != NULL, error, "hn_api_read_floor_request");
  }
  return 0;
}
