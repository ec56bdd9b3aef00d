import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

interface Asset {
  body: Buffer;
  type: string;
}

const PUBLIC = join(__dirname, 'public');

/** What the page may load: its own files and uPlot straight from node_modules (no build step). */
function loadAssets(): Map<string, Asset> {
  const own = (file: string, type: string): [string, Asset] => [file, { body: readFileSync(join(PUBLIC, file)), type }];
  const uplot = (file: string, type: string): [string, Asset] => [
    file,
    { body: readFileSync(require.resolve(`uplot/dist/${file}`)), type },
  ];
  return new Map([
    own('dashboard.html', 'text/html; charset=utf-8'),
    own('dashboard.css', 'text/css; charset=utf-8'),
    own('dashboard.js', 'text/javascript; charset=utf-8'),
    uplot('uPlot.iife.min.js', 'text/javascript; charset=utf-8'),
    uplot('uPlot.min.css', 'text/css; charset=utf-8'),
  ]);
}

/** Serves the dashboard page and its assets from memory (read once at start). */
@ApiExcludeController()
@Controller()
export class DashboardController {
  private readonly assets = loadAssets();

  @Get('dashboard')
  page(@Res({ passthrough: true }) reply: FastifyReply): Buffer {
    return this.send(reply, 'dashboard.html');
  }

  @Get('dashboard/assets/:file')
  asset(@Param('file') file: string, @Res({ passthrough: true }) reply: FastifyReply): Buffer {
    return this.send(reply, file);
  }

  private send(reply: FastifyReply, file: string): Buffer {
    const asset = this.assets.get(file);
    if (!asset) {
      throw new NotFoundException({
        statusCode: 404,
        error: 'Not Found',
        code: 'ASSET_NOT_FOUND',
        message: 'no such asset',
      });
    }
    void reply
      .header('content-type', asset.type)
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header(
        'content-security-policy',
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'",
      );
    return asset.body;
  }
}
