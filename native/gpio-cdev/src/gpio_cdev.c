// gpio-cdev: the Linux GPIO character device (uAPI v2, <linux/gpio.h>) for sensor-agent.
//
// Why a native addon: the sysfs interface (onoff) wakes the agent once per poll for however many
// edges happened meanwhile, so under load a 1,000-pulse counter came out 951 of 1,000 on the
// real-kernel tier. The character device queues every edge in a kernel FIFO with a sequence
// number; this addon reads them all, and a gap in line_seqno shows an overflow.
//
// Exports (errors are Error objects with `code` = the errno name, e.g. "EBUSY", and `syscall`):
//   chipInfo(path)                 -> { name, label, lines }
//   requestLine(path, offset, opts) -> line handle. opts: { output, edge (0 none, 1 rising,
//       2 falling, 3 both), bias (0 as is, 1 pull-up, 2 pull-down, 3 disabled), activeLow,
//       debounceUs, eventBufferSize, value (initial output), consumer }
//   getValue(line) -> 0 | 1         setValue(line, 0 | 1)
//   watch(line, callback)          callback(events) on the event loop, events being an array of
//       { edge: 'rising' | 'falling', timestampNs: bigint, seqno, lineSeqno }, read until EAGAIN
//   close(line)                    stops watching and closes the line fd (idempotent)
#include <errno.h>
#include <fcntl.h>
#include <linux/gpio.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <uv.h>

#define EVENTS_PER_READ 64

typedef struct {
  int fd;
  napi_env env;
  napi_ref callback;
  napi_ref resource;  // the async resource object make_callback runs the callback in
  napi_async_context async_context;
  uv_poll_t *poll;  // NULL unless watching; freed by its close callback
} line_t;

static napi_value throw_errno(napi_env env, int err, const char *syscall, const char *what) {
  char message[256];
  snprintf(message, sizeof message, "%s: %s (%s)", syscall, strerror(err), what);
  napi_value code, msg, error, sys;
  napi_create_string_utf8(env, uv_err_name(-err), NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, code, msg, &error);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sys);
  napi_set_named_property(env, error, "syscall", sys);
  napi_value errnum;
  napi_create_int32(env, -err, &errnum);
  napi_set_named_property(env, error, "errno", errnum);
  napi_throw(env, error);
  return NULL;
}

static napi_value throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG", message);
  return NULL;
}

static int get_string(napi_env env, napi_value value, char *out, size_t size) {
  size_t length;
  return napi_get_value_string_utf8(env, value, out, size, &length) == napi_ok && length < size - 1;
}

static uint32_t get_u32(napi_env env, napi_value object, const char *key, uint32_t fallback) {
  bool has = false;
  napi_value value;
  uint32_t result = fallback;
  if (napi_has_named_property(env, object, key, &has) == napi_ok && has && napi_get_named_property(env, object, key, &value) == napi_ok) {
    napi_valuetype type;
    napi_typeof(env, value, &type);
    if (type == napi_boolean) {
      bool flag;
      napi_get_value_bool(env, value, &flag);
      result = flag;
    } else if (type == napi_number) {
      napi_get_value_uint32(env, value, &result);
    }
  }
  return result;
}

static line_t *get_line(napi_env env, napi_value value) {
  line_t *line = NULL;
  if (napi_get_value_external(env, value, (void **)&line) != napi_ok || line == NULL) {
    throw_type(env, "expected a line handle from requestLine()");
    return NULL;
  }
  if (line->fd < 0) {
    throw_errno(env, EBADF, "line", "the line is closed");
    return NULL;
  }
  return line;
}

static napi_value chip_info(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char path[256];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !get_string(env, argv[0], path, sizeof path)) return throw_type(env, "chipInfo(path): path must be a string");
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, errno, "open", path);
  struct gpiochip_info chip;
  memset(&chip, 0, sizeof chip);
  int rc = ioctl(fd, GPIO_GET_CHIPINFO_IOCTL, &chip);
  int err = errno;
  close(fd);
  if (rc < 0) return throw_errno(env, err, "GPIO_GET_CHIPINFO_IOCTL", path);
  napi_value result, name, label, lines;
  napi_create_object(env, &result);
  napi_create_string_utf8(env, chip.name, strnlen(chip.name, sizeof chip.name), &name);
  napi_create_string_utf8(env, chip.label, strnlen(chip.label, sizeof chip.label), &label);
  napi_create_uint32(env, chip.lines, &lines);
  napi_set_named_property(env, result, "name", name);
  napi_set_named_property(env, result, "label", label);
  napi_set_named_property(env, result, "lines", lines);
  return result;
}

static void poll_closed(uv_handle_t *handle) {
  free(handle);
}

// Stops watching and closes the fd; safe to call twice (close() then the finalizer).
static void line_release(line_t *line) {
  if (line->poll != NULL) {
    uv_poll_stop(line->poll);
    uv_close((uv_handle_t *)line->poll, poll_closed);
    line->poll = NULL;
  }
  if (line->callback != NULL) {
    napi_delete_reference(line->env, line->callback);
    line->callback = NULL;
  }
  if (line->resource != NULL) {
    napi_delete_reference(line->env, line->resource);
    line->resource = NULL;
  }
  if (line->async_context != NULL) {
    napi_async_destroy(line->env, line->async_context);
    line->async_context = NULL;
  }
  if (line->fd >= 0) {
    close(line->fd);
    line->fd = -1;
  }
}

static void line_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  line_t *line = data;
  line_release(line);
  free(line);
}

static napi_value request_line(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  char path[256];
  char consumer[GPIO_MAX_NAME_SIZE] = "sensor-agent";
  uint32_t offset;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || !get_string(env, argv[0], path, sizeof path)) return throw_type(env, "requestLine(path, offset, options): path must be a string");
  if (napi_get_value_uint32(env, argv[1], &offset) != napi_ok) return throw_type(env, "requestLine: offset must be a number");
  napi_value consumer_value;
  bool has_consumer = false;
  napi_has_named_property(env, argv[2], "consumer", &has_consumer);
  if (has_consumer && napi_get_named_property(env, argv[2], "consumer", &consumer_value) == napi_ok) {
    size_t length;
    napi_get_value_string_utf8(env, consumer_value, consumer, sizeof consumer, &length);
  }

  struct gpio_v2_line_request request;
  memset(&request, 0, sizeof request);
  request.offsets[0] = offset;
  request.num_lines = 1;
  memcpy(request.consumer, consumer, sizeof request.consumer);
  request.event_buffer_size = get_u32(env, argv[2], "eventBufferSize", 0);

  uint64_t flags = 0;
  if (get_u32(env, argv[2], "output", 0)) {
    flags |= GPIO_V2_LINE_FLAG_OUTPUT;
  } else {
    flags |= GPIO_V2_LINE_FLAG_INPUT;
    uint32_t edge = get_u32(env, argv[2], "edge", 0);
    if (edge & 1) flags |= GPIO_V2_LINE_FLAG_EDGE_RISING;
    if (edge & 2) flags |= GPIO_V2_LINE_FLAG_EDGE_FALLING;
  }
  switch (get_u32(env, argv[2], "bias", 0)) {
    case 1: flags |= GPIO_V2_LINE_FLAG_BIAS_PULL_UP; break;
    case 2: flags |= GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN; break;
    case 3: flags |= GPIO_V2_LINE_FLAG_BIAS_DISABLED; break;
    default: break;
  }
  if (get_u32(env, argv[2], "activeLow", 0)) flags |= GPIO_V2_LINE_FLAG_ACTIVE_LOW;
  request.config.flags = flags;

  uint32_t attrs = 0;
  uint32_t debounce_us = get_u32(env, argv[2], "debounceUs", 0);
  if (debounce_us > 0 && !(flags & GPIO_V2_LINE_FLAG_OUTPUT)) {
    request.config.attrs[attrs].attr.id = GPIO_V2_LINE_ATTR_ID_DEBOUNCE;
    request.config.attrs[attrs].attr.debounce_period_us = debounce_us;
    request.config.attrs[attrs].mask = 1;
    attrs++;
  }
  if (flags & GPIO_V2_LINE_FLAG_OUTPUT) {
    request.config.attrs[attrs].attr.id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES;
    request.config.attrs[attrs].attr.values = get_u32(env, argv[2], "value", 0) ? 1 : 0;
    request.config.attrs[attrs].mask = 1;
    attrs++;
  }
  request.config.num_attrs = attrs;

  int chip = open(path, O_RDONLY | O_CLOEXEC);
  if (chip < 0) return throw_errno(env, errno, "open", path);
  int rc = ioctl(chip, GPIO_V2_GET_LINE_IOCTL, &request);
  int err = errno;
  close(chip);
  char what[300];
  snprintf(what, sizeof what, "%s line %u", path, offset);
  if (rc < 0) return throw_errno(env, err, "GPIO_V2_GET_LINE_IOCTL", what);
  // Reads of events must never block the event loop: EAGAIN ends a batch.
  int fd = request.fd;
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
    err = errno;
    close(fd);
    return throw_errno(env, err, "fcntl", what);
  }

  line_t *line = calloc(1, sizeof *line);
  if (line == NULL) {
    close(fd);
    return throw_errno(env, ENOMEM, "calloc", what);
  }
  line->fd = fd;
  line->env = env;
  napi_value handle;
  if (napi_create_external(env, line, line_finalize, NULL, &handle) != napi_ok) {
    close(fd);
    free(line);
    return NULL;
  }
  return handle;
}

static napi_value get_value(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  line_t *line = argc < 1 ? NULL : get_line(env, argv[0]);
  if (line == NULL) return argc < 1 ? throw_type(env, "getValue(line)") : NULL;
  struct gpio_v2_line_values values = { .bits = 0, .mask = 1 };
  if (ioctl(line->fd, GPIO_V2_LINE_GET_VALUES_IOCTL, &values) < 0) return throw_errno(env, errno, "GPIO_V2_LINE_GET_VALUES_IOCTL", "read");
  napi_value result;
  napi_create_uint32(env, (uint32_t)(values.bits & 1), &result);
  return result;
}

static napi_value set_value(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  uint32_t value;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  line_t *line = argc < 2 ? NULL : get_line(env, argv[0]);
  if (line == NULL) return argc < 2 ? throw_type(env, "setValue(line, value)") : NULL;
  if (napi_get_value_uint32(env, argv[1], &value) != napi_ok) return throw_type(env, "setValue: value must be 0 or 1");
  struct gpio_v2_line_values values = { .bits = value ? 1 : 0, .mask = 1 };
  if (ioctl(line->fd, GPIO_V2_LINE_SET_VALUES_IOCTL, &values) < 0) return throw_errno(env, errno, "GPIO_V2_LINE_SET_VALUES_IOCTL", "write");
  return NULL;
}

static napi_value event_object(napi_env env, const struct gpio_v2_line_event *event) {
  napi_value object, edge, timestamp, seqno, line_seqno;
  napi_create_object(env, &object);
  napi_create_string_utf8(env, event->id == GPIO_V2_LINE_EVENT_RISING_EDGE ? "rising" : "falling", NAPI_AUTO_LENGTH, &edge);
  napi_create_bigint_uint64(env, event->timestamp_ns, &timestamp);
  napi_create_uint32(env, event->seqno, &seqno);
  napi_create_uint32(env, event->line_seqno, &line_seqno);
  napi_set_named_property(env, object, "edge", edge);
  napi_set_named_property(env, object, "timestampNs", timestamp);
  napi_set_named_property(env, object, "seqno", seqno);
  napi_set_named_property(env, object, "lineSeqno", line_seqno);
  return object;
}

// Readable line fd: read whole events until EAGAIN, hand them to JS in one array.
static void on_readable(uv_poll_t *poll, int status, int events) {
  (void)events;
  line_t *line = poll->data;
  napi_env env = line->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value array;
  napi_create_array(env, &array);
  uint32_t count = 0;
  struct gpio_v2_line_event buffer[EVENTS_PER_READ];
  while (status == 0 && line->fd >= 0) {
    ssize_t got = read(line->fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    for (size_t i = 0; i < (size_t)got / sizeof buffer[0]; i++) napi_set_element(env, array, count++, event_object(env, &buffer[i]));
    if ((size_t)got < sizeof buffer) break;
  }
  if (count > 0 && line->callback != NULL) {
    napi_value callback, resource, result;
    napi_get_reference_value(env, line->callback, &callback);
    napi_get_reference_value(env, line->resource, &resource);
    // make_callback: microtasks run afterwards, as for any I/O callback; a throw becomes an
    // uncaught exception (the process's handler decides), never a silently lost batch.
    if (napi_make_callback(env, line->async_context, resource, callback, 1, &array, &result) == napi_pending_exception) {
      napi_value exception;
      napi_get_and_clear_last_exception(env, &exception);
      napi_fatal_exception(env, exception);
    }
  }
  napi_close_handle_scope(env, scope);
}

static napi_value watch(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  line_t *line = argc < 2 ? NULL : get_line(env, argv[0]);
  if (line == NULL) return argc < 2 ? throw_type(env, "watch(line, callback)") : NULL;
  napi_valuetype type;
  napi_typeof(env, argv[1], &type);
  if (type != napi_function) return throw_type(env, "watch: callback must be a function");
  if (line->poll != NULL) return throw_errno(env, EBUSY, "watch", "the line is already watched");
  struct uv_loop_s *loop;
  napi_get_uv_event_loop(env, &loop);
  uv_poll_t *poll = calloc(1, sizeof *poll);
  if (poll == NULL) return throw_errno(env, ENOMEM, "calloc", "watch");
  int rc = uv_poll_init(loop, poll, line->fd);
  if (rc < 0) {
    free(poll);
    return throw_errno(env, -rc, "uv_poll_init", "watch");
  }
  poll->data = line;
  napi_value resource, resource_name;
  napi_create_object(env, &resource);
  napi_create_reference(env, resource, 1, &line->resource);
  napi_create_string_utf8(env, "GpioCdevLine", NAPI_AUTO_LENGTH, &resource_name);
  napi_async_init(env, resource, resource_name, &line->async_context);
  napi_create_reference(env, argv[1], 1, &line->callback);
  line->poll = poll;
  rc = uv_poll_start(poll, UV_READABLE, on_readable);
  if (rc < 0) {
    line_release(line);
    return throw_errno(env, -rc, "uv_poll_start", "watch");
  }
  return NULL;
}

static napi_value close_line(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  line_t *line = NULL;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_external(env, argv[0], (void **)&line) != napi_ok || line == NULL) return throw_type(env, "close(line)");
  line_release(line);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
    { "chipInfo", NULL, chip_info, NULL, NULL, NULL, napi_enumerable, NULL },
    { "requestLine", NULL, request_line, NULL, NULL, NULL, napi_enumerable, NULL },
    { "getValue", NULL, get_value, NULL, NULL, NULL, napi_enumerable, NULL },
    { "setValue", NULL, set_value, NULL, NULL, NULL, napi_enumerable, NULL },
    { "watch", NULL, watch, NULL, NULL, NULL, napi_enumerable, NULL },
    { "close", NULL, close_line, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
