/* Static files compiled into the binary. */
#ifndef SERVER_ASSETS_H
#define SERVER_ASSETS_H

#include <stddef.h>

/* The statements' avatar (B/s/SLUG/icon.png), a PNG of asset_icon_png_len bytes. */
extern const unsigned char asset_icon_png[];
extern const size_t asset_icon_png_len;

#endif
