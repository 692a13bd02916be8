import { describe, expect, it } from 'vitest';
import { cloudRegistryOf } from '../../../src/credentials/cloud/hosts.js';

describe('cloudRegistryOf', () => {
  it.each([
    ['123456789012.dkr.ecr.us-east-1.amazonaws.com', { cloud: 'ecr', accountId: '123456789012', region: 'us-east-1' }],
    ['123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com', { cloud: 'ecr', accountId: '123456789012', region: 'us-gov-west-1' }],
    ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn', { cloud: 'ecr', accountId: '123456789012', region: 'cn-north-1' }],
    ['123456789012.DKR.ECR.eu-west-1.amazonaws.com:5000', { cloud: 'ecr', accountId: '123456789012', region: 'eu-west-1' }],
    ['europe-west1-docker.pkg.dev', { cloud: 'gcp' }],
    ['gcr.io', { cloud: 'gcp' }],
    ['eu.gcr.io', { cloud: 'gcp' }],
    ['contoso.azurecr.io', { cloud: 'acr', armScope: 'https://management.azure.com/.default' }],
    ['contoso.azurecr.cn', { cloud: 'acr', armScope: 'https://management.chinacloudapi.cn/.default' }],
    ['contoso.azurecr.us', { cloud: 'acr', armScope: 'https://management.usgovcloudapi.net/.default' }],
  ])('%s is a cloud registry', (host, expected) => {
    expect(cloudRegistryOf(host)).toMatchObject(expected);
  });

  it.each([
    'ghcr.io',
    'docker.io',
    'localhost:5000',
    '12345.dkr.ecr.us-east-1.amazonaws.com',
    '123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example',
    'public.ecr.aws',
    'docker.pkg.dev',
    'gcr.io.evil.example',
    'notgcr.io',
    'contoso.azurecr.io.evil.example',
    'azurecr.io',
  ])('%s is not', (host) => {
    expect(cloudRegistryOf(host)).toBeUndefined();
  });
});
