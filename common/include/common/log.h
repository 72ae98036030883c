/* log.h - structured JSON logs on stdout, one object per line.
 *
 * Every line carries the service name, level, time and, when the calling thread
 * is serving a request, its request id (set by the http module).
 */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Names the service in every line; call once from main before any thread starts. */
void log_init(const char *service);

/* Sets (or clears, with NULL) the request id logged by this thread. */
void log_set_request_id(const char *request_id);

/* The request id this thread is serving, or NULL. */
const char *log_request_id(void);

/* Writes one line: {"ts":..,"level":..,"service":..,"request_id":..,"msg":..}. */
void log_emit(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes one access-log line with the request's method, path, route, status and latency. */
void log_access(const char *method, const char *path, const char *route, int status,
                double seconds);

#define log_debug(...) log_emit(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_emit(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_emit(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_emit(LOG_ERROR, __VA_ARGS__)

#endif
