import { Controller, Get, Header, Res } from '@nestjs/common';
import type { Response } from 'express';
import { MetricsService } from './metrics.service';

/**
 * `GET /metrics`: Prometheus text format. For the scraper inside the deployment: the shipped nginx
 * configuration does not pass it through from outside.
 */
@Controller()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  async metricsText(@Res() response: Response): Promise<void> {
    const { contentType, body } = await this.metrics.render();
    response.setHeader('Content-Type', contentType); // exactly prom-client's (Express would add a charset)
    response.end(body);
  }
}
