import { PlatformOperator, RefreshToken } from '../auth/auth.entities';
import { moduleEntities } from '../modules';

export const entities = [PlatformOperator, RefreshToken, ...moduleEntities];
