/* The version of Undersigned, as NodeInfo and the User-Agent report it. */
#ifndef ACTIVITYPUB_VERSION_H
#define ACTIVITYPUB_VERSION_H

#define UNDERSIGNED_VERSION "0.1.0"

#endif
