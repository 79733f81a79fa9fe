// glibc's malloc tuning (mallopt, M_ARENA_MAX), for DcmAudit's MallocArenas.
#if defined(__linux__)
#include <malloc.h>
#endif
